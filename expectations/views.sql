-- Views every check may read: created once on the audit connection, before any check runs.

-- The raw files whose lines count: loaded, and not superseded by a later loaded file of the same feed
-- and file name (int_files_versioned derives the same in dbt; the checks compare raw with the build
-- independently of it).
CREATE TEMP VIEW current_files AS
SELECT f.file_id, f.feed
FROM raw.main.files AS f
WHERE f.status = 'loaded'
  AND NOT EXISTS (
      SELECT 1 FROM raw.main.files AS g
      WHERE g.status = 'loaded' AND g.feed = f.feed AND g.file_name = f.file_name AND g.file_id > f.file_id
  );

-- Each approved budget control (reference.budget_controls) against the budget loaded for what it covers:
-- the funding sources of its scheme's funds (only the ring-fenced ones where ring_fenced_only).
CREATE TEMP VIEW budget_control_position AS
WITH covered AS (
    SELECT DISTINCT c.financial_year, c.control_code, f.funding_source_code
    FROM reference.budget_controls AS c
    JOIN reference.funds AS f ON f.scheme = c.scheme
    JOIN reference.funding_sources AS s ON s.funding_source_code = f.funding_source_code
    WHERE NOT c.ring_fenced_only OR coalesce(s.ring_fenced, false)
),
loaded AS (
    SELECT v.financial_year, v.control_code, CAST(sum(p.budget) AS DECIMAL(18,2)) AS budget,
           string_agg(DISTINCT p.funding_source_code, ', ') AS funding_sources
    FROM covered AS v
    JOIN marts.funding_source_position AS p
      ON p.financial_year = v.financial_year AND p.funding_source_code = v.funding_source_code
    GROUP BY v.financial_year, v.control_code
)
SELECT
    c.financial_year,
    c.control_code,
    c.ring_fenced_only,
    l.funding_sources,
    CAST(c.amount AS DECIMAL(18,2)) AS expected,
    coalesce(l.budget, CAST(0 AS DECIMAL(18,2))) AS actual,
    coalesce(l.budget, CAST(0 AS DECIMAL(18,2))) - CAST(c.amount AS DECIMAL(18,2)) AS difference,
    coalesce(l.budget, 0) = c.amount AS ok
FROM reference.budget_controls AS c
LEFT JOIN loaded AS l ON l.financial_year = c.financial_year AND l.control_code = c.control_code;

-- The financial years with a budget: the commitment checks compare only those years.
CREATE TEMP VIEW budget_years AS
SELECT financial_year
FROM marts.funding_source_position
GROUP BY financial_year
HAVING sum(coalesce(budget, 0)) <> 0;

-- The lines the build set aside for a reference gap (a fund, pillar or funding source the reference data lacks):
-- raw keeps them, the marts leave them out, marts.quarantined_rows lists them; checks comparing raw with the marts
-- leave them out too, and completeness.reference_gaps names what is missing.
CREATE TEMP VIEW lines_set_aside AS
SELECT q.file_id, q.sheet, q.line_number
FROM marts.quarantined_rows AS q
WHERE q.reference_gap IS NOT NULL;
