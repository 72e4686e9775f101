WITH loaded_lines AS (
    SELECT file_id, count(*) AS n FROM raw.main.transactions GROUP BY file_id
    UNION ALL SELECT file_id, count(*) FROM raw.main.budgets GROUP BY file_id
    UNION ALL SELECT file_id, count(*) FROM raw.main.commitments GROUP BY file_id
    UNION ALL SELECT file_id, count(*) FROM raw.main.planned_projects GROUP BY file_id
    UNION ALL SELECT file_id, count(*) FROM raw.main.ppa_receipts GROUP BY file_id
    UNION ALL SELECT file_id, count(*) FROM raw.main.grant_awards GROUP BY file_id
),
loaded AS (
    SELECT file_id, sum(n) AS n FROM loaded_lines GROUP BY file_id
),
quarantined AS (
    -- a line is its sheet and row in a workbook (each sheet numbers its own rows); one line may break several rules
    SELECT file_id, count(DISTINCT coalesce(sheet, '') || ':' || CAST(line_number AS VARCHAR)) AS n
    FROM raw.main.quarantine GROUP BY file_id
),
compared AS (
    SELECT f.file_id, f.feed, f.file_name, 'lines loaded' AS measure,
           CAST(f.rows_loaded AS BIGINT) AS expected, CAST(coalesce(l.n, 0) AS BIGINT) AS actual
    FROM raw.main.files AS f LEFT JOIN loaded AS l ON l.file_id = f.file_id
    WHERE f.status = 'loaded'
    UNION ALL
    SELECT f.file_id, f.feed, f.file_name, 'lines quarantined' AS measure,
           CAST(f.rows_quarantined AS BIGINT), CAST(coalesce(q.n, 0) AS BIGINT)
    FROM raw.main.files AS f LEFT JOIN quarantined AS q ON q.file_id = f.file_id
    WHERE f.status = 'loaded'
)
SELECT file_id, feed, file_name, measure, expected, actual, actual - expected AS difference,
       coalesce(actual = expected, false) AS ok
FROM compared
ORDER BY file_id, measure
