WITH source AS (
    SELECT count(*) AS value FROM raw.main.commitments AS t JOIN current_files AS c ON c.file_id = t.file_id
),
kept AS (  -- less the lines set aside for a reference gap (completeness.reference_gaps names them)
    SELECT count(*) AS value FROM raw.main.commitments AS t JOIN current_files AS c ON c.file_id = t.file_id
    WHERE NOT EXISTS (SELECT 1 FROM lines_set_aside AS x WHERE x.file_id = t.file_id AND x.line_number = t.line_number AND x.sheet IS NOT DISTINCT FROM t.sheet)
),
stg AS (
    SELECT count(*) AS value FROM staging.stg_raw__commitments AS s JOIN current_files AS c ON c.file_id = s.file_id
),
mart AS (
    SELECT count(DISTINCT commitment_id) AS value FROM marts.commitments WHERE status = 'committed'
),
compared AS (
    SELECT 1 AS step, 'staging.stg_raw__commitments (lines)' AS stage, CAST(source.value AS BIGINT) AS expected, CAST(stg.value AS BIGINT) AS actual FROM source, stg
    UNION ALL
    SELECT 2 AS step, 'marts.commitments (distinct commitments)' AS stage, CAST(kept.value AS BIGINT) AS expected, CAST(mart.value AS BIGINT) AS actual FROM kept, mart
)
SELECT step, stage, expected, actual, actual - expected AS difference, coalesce(actual = expected, false) AS ok
FROM compared
ORDER BY step
