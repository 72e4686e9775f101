WITH fund AS (
    SELECT strftime(month_start, '%Y-%m') AS month, grants_awarded
    FROM marts.community_grant_fund
    WHERE grants_awarded <> 0 AND month_start < (SELECT first_open_month FROM pub_params)
),
listed AS (
    SELECT month, CAST(sum(amount) AS DECIMAL(18,2)) AS total
    FROM pub_grants WHERE programme = 'Community Grant Scheme' GROUP BY month
)
SELECT coalesce(f.month, l.month) AS month,
       CAST(coalesce(f.grants_awarded, 0) AS DECIMAL(18,2)) AS expected,
       coalesce(l.total, 0) AS actual,
       coalesce(l.total, 0) - CAST(coalesce(f.grants_awarded, 0) AS DECIMAL(18,2)) AS difference,
       coalesce(l.total, 0) = coalesce(f.grants_awarded, 0) AS ok
FROM fund AS f
FULL JOIN listed AS l ON l.month = f.month
ORDER BY 1
