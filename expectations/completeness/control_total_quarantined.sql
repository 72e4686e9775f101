SELECT
    f.file_id, f.feed, f.file_name, f.rows_loaded, f.rows_quarantined,
    CAST(f.control_total AS DECIMAL(18,2)) AS expected,
    CAST(coalesce(f.loaded_amount, 0) AS DECIMAL(18,2)) AS actual,
    CAST(coalesce(f.loaded_amount, 0) AS DECIMAL(18,2)) - CAST(f.control_total AS DECIMAL(18,2)) AS difference,
    coalesce(f.loaded_amount, 0) = f.control_total AS ok
FROM raw.main.files AS f
WHERE f.status = 'loaded' AND f.control_total IS NOT NULL AND coalesce(f.rows_quarantined, 0) > 0
ORDER BY f.file_id
