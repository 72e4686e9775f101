SELECT
    financial_year, month_start, month_label, opening_balance, ppa_receipts, grants_awarded,
    CAST(coalesce(opening_balance, 0) + coalesce(ppa_receipts, 0) - coalesce(grants_awarded, 0) AS DECIMAL(18,2)) AS expected,
    CAST(coalesce(closing_balance, 0) AS DECIMAL(18,2)) AS actual,
    CAST(coalesce(closing_balance, 0) AS DECIMAL(18,2)) - CAST(coalesce(opening_balance, 0) + coalesce(ppa_receipts, 0) - coalesce(grants_awarded, 0) AS DECIMAL(18,2)) AS difference,
    coalesce(closing_balance, 0) = coalesce(opening_balance, 0) + coalesce(ppa_receipts, 0) - coalesce(grants_awarded, 0) AS ok
FROM marts.community_grant_fund
ORDER BY month_start
