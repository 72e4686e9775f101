WITH fund AS (
    SELECT strftime(month_start, '%Y-%m') AS month, grants_awarded
    FROM marts.community_grant_fund
    WHERE grants_awarded <> 0 AND month_start < (SELECT first_open_month FROM pub_params)
),
published AS (
    SELECT month, CAST(sum(amount_awarded) AS DECIMAL(18,2)) AS total, count(*) AS grants FROM pub_360 GROUP BY month
)
SELECT coalesce(f.month, p.month) AS month, coalesce(p.grants, 0) AS grants,
       CAST(coalesce(f.grants_awarded, 0) AS DECIMAL(18,2)) AS expected,
       coalesce(p.total, 0) AS actual,
       coalesce(p.total, 0) - CAST(coalesce(f.grants_awarded, 0) AS DECIMAL(18,2)) AS difference,
       coalesce(p.total, 0) = coalesce(f.grants_awarded, 0) AS ok
FROM fund AS f
FULL JOIN published AS p ON p.month = f.month
ORDER BY 1
