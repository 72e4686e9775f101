SELECT
    financial_year, month_start, month_label, gross_receipts, sale_costs,
    CAST(coalesce(gross_receipts, 0) - coalesce(sale_costs, 0) AS DECIMAL(18,2)) AS expected,
    CAST(coalesce(ppa_receipts, 0) AS DECIMAL(18,2)) AS actual,
    CAST(coalesce(ppa_receipts, 0) AS DECIMAL(18,2)) - CAST(coalesce(gross_receipts, 0) - coalesce(sale_costs, 0) AS DECIMAL(18,2)) AS difference,
    coalesce(ppa_receipts, 0) = coalesce(gross_receipts, 0) - coalesce(sale_costs, 0) AS ok
FROM marts.community_grant_fund
ORDER BY month_start
