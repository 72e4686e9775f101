-- Every ledger month from the ledger's first month to the latest that should have closed
-- (freshness_params.last_closed_month, from ledger_month_closes_on_working_day in opcc.toml), within the
-- financial years that have a budget (budget_years) or ledger lines; a month with no line is a gap. Gaps first.
WITH RECURSIVE ledger AS (
    SELECT
        CAST(date_trunc('month', transaction_date) AS DATE) AS month_start,
        count(*) AS lines
    FROM marts.spend_transactions
    WHERE transaction_date IS NOT NULL
    GROUP BY CAST(date_trunc('month', transaction_date) AS DATE)
),

months (month_start) AS (
    SELECT min(month_start) FROM ledger
    UNION ALL
    SELECT CAST(m.month_start + INTERVAL '1 month' AS DATE)
    FROM months AS m
    CROSS JOIN freshness_params AS p
    WHERE m.month_start < p.last_closed_month
),

years AS (
    SELECT
        m.month_start,
        CAST(extract(YEAR FROM m.month_start) AS INTEGER)
        - CASE WHEN extract(MONTH FROM m.month_start) < 4 THEN 1 ELSE 0 END AS start_year
    FROM months AS m
    CROSS JOIN freshness_params AS p
    WHERE m.month_start IS NOT NULL AND m.month_start <= p.last_closed_month
),

checked AS (
    SELECT
        y.month_start,
        CAST(y.start_year AS VARCHAR) || '/' || right(CAST(y.start_year + 1 AS VARCHAR), 2) AS financial_year
    FROM years AS y
)

SELECT
    c.financial_year,
    c.month_start AS month,
    coalesce(l.lines, 0) AS ledger_lines,
    coalesce(l.lines, 0) > 0 AS ok
FROM checked AS c
LEFT JOIN ledger AS l ON l.month_start = c.month_start
WHERE c.financial_year IN (SELECT financial_year FROM budget_years)
   OR c.financial_year IN (SELECT financial_year FROM marts.spend_transactions)
ORDER BY ok, c.month_start
