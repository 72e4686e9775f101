SELECT financial_year, funding_sources, expected, actual, difference, ok
FROM budget_control_position
WHERE control_code = 'priority_commissioning_total'
ORDER BY financial_year DESC
