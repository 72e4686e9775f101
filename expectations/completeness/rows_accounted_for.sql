-- Per file, as ingestion recorded it (raw.files) and as the marts report it (marts.load_audit, where the lines the
-- build set aside for a reference gap count as quarantined): rows received = rows loaded + rows quarantined.
WITH counted AS (
    SELECT 'raw.files' AS recorded_in, f.file_id, f.feed, f.file_name, f.rows_received, f.rows_loaded, f.rows_quarantined
    FROM raw.main.files AS f
    WHERE f.status = 'loaded'
    UNION ALL
    SELECT 'marts.load_audit', a.file_id, a.feed, a.file_name, a.rows_received, a.rows_loaded, a.rows_quarantined
    FROM marts.load_audit AS a
    WHERE a.status IN ('loaded', 'superseded', 'set_aside')
)
SELECT
    recorded_in, file_id, feed, file_name, rows_received, rows_loaded, rows_quarantined,
    CAST(rows_received AS BIGINT) AS expected,
    CAST(coalesce(rows_loaded, 0) + coalesce(rows_quarantined, 0) AS BIGINT) AS actual,
    CAST(coalesce(rows_loaded, 0) + coalesce(rows_quarantined, 0) AS BIGINT) - CAST(rows_received AS BIGINT) AS difference,
    coalesce(CAST(rows_received AS BIGINT) = CAST(coalesce(rows_loaded, 0) + coalesce(rows_quarantined, 0) AS BIGINT), false) AS ok
FROM counted
ORDER BY file_id, recorded_in
