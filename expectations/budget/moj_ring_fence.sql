-- Every budget control on a scheme's ring-fenced sources only (ring_fenced_only true), whatever the OPCC calls it:
-- the check keeps the demo's name, not its control_code.
SELECT financial_year, funding_sources, expected, actual, difference, ok
FROM budget_control_position
WHERE ring_fenced_only
ORDER BY financial_year DESC
