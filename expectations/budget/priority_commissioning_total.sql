-- Every budget control on a scheme's whole budget (ring_fenced_only false), whatever the OPCC calls it: the check
-- keeps the demo's name, not its control_code.
SELECT financial_year, funding_sources, expected, actual, difference, ok
FROM budget_control_position
WHERE NOT ring_fenced_only
ORDER BY financial_year DESC
