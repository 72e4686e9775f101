SELECT
    f.file_id, f.feed, f.file_name, f.rows_received, f.rows_loaded, f.rows_quarantined,
    CAST(f.rows_received AS BIGINT) AS expected,
    CAST(coalesce(f.rows_loaded, 0) + coalesce(f.rows_quarantined, 0) AS BIGINT) AS actual,
    CAST(coalesce(f.rows_loaded, 0) + coalesce(f.rows_quarantined, 0) AS BIGINT) - CAST(f.rows_received AS BIGINT) AS difference,
    coalesce(CAST(f.rows_received AS BIGINT) = CAST(coalesce(f.rows_loaded, 0) + coalesce(f.rows_quarantined, 0) AS BIGINT), false) AS ok
FROM raw.main.files AS f
WHERE f.status = 'loaded'
ORDER BY f.file_id
