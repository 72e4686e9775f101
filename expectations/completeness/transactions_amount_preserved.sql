WITH source AS (
    SELECT coalesce(sum(t.amount), 0) AS value FROM raw.main.transactions AS t JOIN current_files AS c ON c.file_id = t.file_id
),
stg AS (
    SELECT coalesce(sum(s.amount), 0) AS value FROM staging.stg_raw__transactions AS s JOIN current_files AS c ON c.file_id = s.file_id
),
spend AS (
    SELECT coalesce(sum(amount), 0) AS value FROM marts.spend_transactions
),
bva AS (
    SELECT coalesce(sum(actual), 0) AS value FROM marts.budget_vs_actual
),
compared AS (
    SELECT 1 AS step, 'staging.stg_raw__transactions' AS stage, CAST(source.value AS DECIMAL(38,2)) AS expected, CAST(stg.value AS DECIMAL(38,2)) AS actual FROM source, stg
    UNION ALL
    SELECT 2 AS step, 'marts.spend_transactions' AS stage, CAST(source.value AS DECIMAL(38,2)) AS expected, CAST(spend.value AS DECIMAL(38,2)) AS actual FROM source, spend
    UNION ALL
    SELECT 3 AS step, 'marts.budget_vs_actual (actual)' AS stage, CAST(source.value AS DECIMAL(38,2)) AS expected, CAST(bva.value AS DECIMAL(38,2)) AS actual FROM source, bva
)
SELECT step, stage, expected, actual, actual - expected AS difference, coalesce(actual = expected, false) AS ok
FROM compared
ORDER BY step
