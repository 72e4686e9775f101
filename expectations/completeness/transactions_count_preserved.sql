WITH source AS (
    SELECT count(*) AS value FROM raw.main.transactions AS t JOIN current_files AS c ON c.file_id = t.file_id
),
stg AS (
    SELECT count(*) AS value FROM staging.stg_raw__transactions AS s JOIN current_files AS c ON c.file_id = s.file_id
),
spend AS (
    SELECT count(*) AS value FROM marts.spend_transactions
),
compared AS (
    SELECT 1 AS step, 'staging.stg_raw__transactions' AS stage, CAST(source.value AS BIGINT) AS expected, CAST(stg.value AS BIGINT) AS actual FROM source, stg
    UNION ALL
    SELECT 2 AS step, 'marts.spend_transactions' AS stage, CAST(source.value AS BIGINT) AS expected, CAST(spend.value AS BIGINT) AS actual FROM source, spend
)
SELECT step, stage, expected, actual, actual - expected AS difference, coalesce(actual = expected, false) AS ok
FROM compared
ORDER BY step
