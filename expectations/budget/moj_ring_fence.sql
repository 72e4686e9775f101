SELECT financial_year, funding_sources, expected, actual, difference, ok
FROM budget_control_position
WHERE control_code = 'moj_ring_fence'
ORDER BY financial_year DESC
