{#-
    Every current ledger line (transactions of current loaded files), with its financial year, month and
    the fund it is charged to through cost_centres.csv (fund UNMAPPED when its expense area is not mapped).

    Incremental, by whole file (delete+insert keyed on file_id):
      - lines of current files not yet in the table are inserted;
      - files whose stored fund mapping no longer matches cost_centres.csv / funds.csv are reloaded;
      - after the insert, lines of files that are no longer current (superseded) are deleted (post-hook).
    `dbt build --full-refresh` rebuilds from scratch and gives the same rows.
-#}
-- depends_on: {{ ref('cost_centres') }}
-- depends_on: {{ ref('funds') }}
-- depends_on: {{ ref('int_files_versioned') }}
{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='file_id',
        on_schema_change='fail',
        post_hook=[
            "delete from {{ this }} where file_id not in (select file_id from {{ ref('int_files_versioned') }} where is_current and feed = 'transactions')"
        ]
    )
}}

with lines as (

    select * from {{ ref('int_transactions_mapped') }}

)

{% if is_incremental() %}
,

loaded_files as (

    select distinct file_id from {{ this }}

),

current_files as (

    select file_id
    from {{ ref('int_files_versioned') }}
    where is_current and feed = 'transactions'

),

stored_mappings as (

    select distinct file_id, expense_area, fund_code, fund_name, funding_source_code
    from {{ this }}

),

expected_mappings as (

    select
        stored_mappings.*,
        coalesce(cost_centres.fund_code, '{{ var("unmapped_code") }}') as expected_fund_code,
        funds.fund_name as expected_fund_name,
        funds.funding_source_code as expected_funding_source_code
    from stored_mappings
    left join {{ ref('cost_centres') }} as cost_centres
        on lower(trim(cost_centres.expense_area)) = lower(trim(stored_mappings.expense_area))
    left join {{ ref('funds') }} as funds
        on funds.fund_code = cost_centres.fund_code

),

files_to_load as (

    -- new current files
    select current_files.file_id
    from current_files
    left join loaded_files
        on loaded_files.file_id = current_files.file_id
    where loaded_files.file_id is null

    union

    -- current files whose lines were mapped under different reference data
    select expected_mappings.file_id
    from expected_mappings
    inner join current_files
        on current_files.file_id = expected_mappings.file_id
    where expected_mappings.fund_code is distinct from expected_mappings.expected_fund_code
       or expected_mappings.fund_name is distinct from expected_mappings.expected_fund_name
       or expected_mappings.funding_source_code is distinct from expected_mappings.expected_funding_source_code

)

{% endif %}

select
    lines.file_id,
    lines.line_number,
    lines.body,
    lines.transaction_date,
    lines.financial_year,
    lines.month_start,
    lines.transaction_number,
    lines.supplier,
    lines.expense_type,
    lines.expense_area,
    lines.fund_code,
    lines.fund_name,
    lines.funding_source_code,
    lines.amount
from lines
{% if is_incremental() %}
where lines.file_id in (select file_id from files_to_load)
{% endif %}
