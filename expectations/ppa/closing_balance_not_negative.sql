SELECT
    financial_year, month_start, month_label, opening_balance, ppa_receipts, grants_awarded,
    CAST(0 AS DECIMAL(18,2)) AS expected,
    CAST(closing_balance AS DECIMAL(18,2)) AS actual,
    CAST(closing_balance AS DECIMAL(18,2)) AS difference,
    coalesce(closing_balance >= 0, false) AS ok
FROM marts.community_grant_fund
ORDER BY closing_balance, month_start
