SELECT
    p.financial_year, p.funding_source_code, p.funding_source_name,
    CAST(coalesce(p.budget, 0) AS DECIMAL(18,2)) AS expected,
    CAST(coalesce(p.committed, 0) AS DECIMAL(18,2)) AS actual,
    CAST(coalesce(p.committed, 0) AS DECIMAL(18,2)) - CAST(coalesce(p.budget, 0) AS DECIMAL(18,2)) AS difference,
    coalesce(p.committed, 0) <= coalesce(p.budget, 0) AS ok
FROM marts.funding_source_position AS p
JOIN budget_years AS y ON y.financial_year = p.financial_year
ORDER BY p.financial_year DESC, p.funding_source_code
