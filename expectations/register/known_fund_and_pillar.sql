SELECT c.financial_year, c.status, c.commitment_id, c.title, c.fund_code, c.pillar_code,
       f.fund_code IS NOT NULL AND p.pillar_code IS NOT NULL AS ok
FROM marts.commitments AS c
LEFT JOIN reference.funds AS f ON f.fund_code = c.fund_code
LEFT JOIN reference.pillars AS p ON p.pillar_code = c.pillar_code
ORDER BY c.financial_year DESC, c.commitment_id
