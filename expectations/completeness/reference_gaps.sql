-- Lines the build set aside because they name a fund, pillar or funding source the reference data lacks
-- (marts.quarantined_rows with a reference_gap), one row per missing reference row and file: what to add where.
SELECT
    q.reference_gap AS missing_reference_row,
    q.feed,
    q.file_name,
    count(*) AS lines_set_aside,
    min(q.line_number) AS first_line,
    min(CASE WHEN q.column_name IS NOT NULL THEN q.reason END) AS reason,
    false AS ok
FROM marts.quarantined_rows AS q
WHERE q.reference_gap IS NOT NULL
GROUP BY q.reference_gap, q.feed, q.file_name
ORDER BY q.reference_gap, q.feed, q.file_name
