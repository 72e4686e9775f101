WITH ledger AS (
    SELECT financial_year, month_start, month_label, opening_balance,
           lag(closing_balance) OVER (ORDER BY month_start) AS previous_closing
    FROM marts.community_grant_fund
)
SELECT
    financial_year, month_start, month_label,
    CAST(previous_closing AS DECIMAL(18,2)) AS expected,
    CAST(opening_balance AS DECIMAL(18,2)) AS actual,
    CAST(opening_balance AS DECIMAL(18,2)) - CAST(previous_closing AS DECIMAL(18,2)) AS difference,
    coalesce(opening_balance = previous_closing, false) AS ok
FROM ledger
WHERE previous_closing IS NOT NULL
ORDER BY month_start
