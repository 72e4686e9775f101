WITH ring_fenced_sources AS (
    SELECT funding_source_code
    FROM reference.funding_sources
    WHERE coalesce(ring_fenced, false)
),
funds AS (
    SELECT fund_code, funding_source_code, coalesce(ring_fenced, false) AS fund_ring_fenced
    FROM reference.funds
)
SELECT 'budget line' AS kind, b.financial_year,
       'file ' || CAST(b.file_id AS VARCHAR) || coalesce(' sheet ' || b.sheet, '') || ' line '
           || CAST(b.line_number AS VARCHAR) AS reference,
       b.stated_funding_source_code AS funding_source_code, b.fund_code,
       f.funding_source_code AS fund_funding_source_code,
       CAST(b.amount AS DECIMAL(18,2)) AS amount,
       coalesce(f.funding_source_code = b.stated_funding_source_code AND f.fund_ring_fenced, false) AS ok
FROM intermediate.int_budgets_resolved AS b
JOIN ring_fenced_sources AS r ON r.funding_source_code = b.stated_funding_source_code
LEFT JOIN funds AS f ON f.fund_code = b.fund_code
WHERE b.fund IS NOT NULL OR b.fund_code IS NOT NULL
UNION ALL
SELECT 'commitment' AS kind, c.financial_year, c.commitment_id AS reference,
       c.funding_source_code, c.fund_code, f.funding_source_code, CAST(c.value AS DECIMAL(18,2)),
       coalesce(f.funding_source_code = c.funding_source_code AND f.fund_ring_fenced, false)
FROM marts.commitments AS c
JOIN ring_fenced_sources AS r ON r.funding_source_code = c.funding_source_code
LEFT JOIN funds AS f ON f.fund_code = c.fund_code
UNION ALL
SELECT 'fund (reference data)' AS kind, NULL, f.fund_code, f.funding_source_code, f.fund_code, f.funding_source_code,
       NULL, f.fund_ring_fenced
FROM funds AS f
JOIN ring_fenced_sources AS r ON r.funding_source_code = f.funding_source_code
ORDER BY 1, 2, 3
