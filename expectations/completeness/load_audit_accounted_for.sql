-- Per file as marts.load_audit reports it to finance, where the lines the build set aside for a reference gap move
-- from loaded to quarantined: rows received = rows loaded + rows quarantined, and the lines it counts as quarantined
-- beyond ingestion's are the lines marts.quarantined_rows lists as set aside.
WITH set_aside AS (
    SELECT file_id, count(*) AS lines FROM marts.quarantined_rows WHERE reference_gap IS NOT NULL GROUP BY file_id
)
SELECT
    a.file_id, a.feed, a.file_name, a.status, a.rows_received, a.rows_loaded, a.rows_quarantined,
    CAST(coalesce(s.lines, 0) AS BIGINT) AS lines_set_aside,
    CAST(a.rows_received AS BIGINT) AS expected,
    CAST(coalesce(a.rows_loaded, 0) + coalesce(a.rows_quarantined, 0) AS BIGINT) AS actual,
    CAST(coalesce(a.rows_loaded, 0) + coalesce(a.rows_quarantined, 0) AS BIGINT) - CAST(a.rows_received AS BIGINT)
        AS difference,
    coalesce(CAST(a.rows_received AS BIGINT) = CAST(coalesce(a.rows_loaded, 0) + coalesce(a.rows_quarantined, 0) AS BIGINT)
             AND CAST(a.rows_quarantined AS BIGINT) = CAST(coalesce(f.rows_quarantined, 0) + coalesce(s.lines, 0) AS BIGINT),
             false) AS ok
FROM marts.load_audit AS a
JOIN raw.main.files AS f ON f.file_id = a.file_id
LEFT JOIN set_aside AS s ON s.file_id = a.file_id
WHERE f.status = 'loaded'
ORDER BY a.file_id
