WITH committed AS (
    SELECT commitment_id, min(start_date) AS start_date, max(end_date) AS end_date,
           CAST(sum(value) AS DECIMAL(18,2)) AS value
    FROM marts.commitments
    WHERE status = 'committed'
    GROUP BY commitment_id
),
expected AS (
    SELECT m.month, CAST(sum(c.value) AS DECIMAL(18,2)) AS total, count(*) AS contracts
    FROM pub_months AS m
    JOIN committed AS c ON c.start_date <= m.month_end AND c.end_date >= m.month_start
    GROUP BY m.month
),
published AS (
    SELECT month, CAST(sum(contract_value) AS DECIMAL(18,2)) AS total, count(*) AS contracts
    FROM pub_contracts
    WHERE contract_value <> 0  -- a contract with no committed value (it ends before it starts) has no row there
    GROUP BY month
)
SELECT
    coalesce(e.month, p.month) AS month,
    coalesce(e.contracts, 0) AS committed_contracts,
    coalesce(p.contracts, 0) AS published_contracts,
    coalesce(e.total, 0) AS expected,
    coalesce(p.total, 0) AS actual,
    coalesce(p.total, 0) - coalesce(e.total, 0) AS difference,
    coalesce(p.total, 0) = coalesce(e.total, 0) AND coalesce(e.contracts, 0) = coalesce(p.contracts, 0) AS ok
FROM expected AS e
FULL JOIN published AS p ON p.month = e.month
ORDER BY ok, 1
