{#-
    Every current ledger line (transactions of current loaded files), with its financial year, month and
    the fund it is charged to through cost_centres.csv (fund UNMAPPED when its expense area is not mapped).

    Incremental, by whole file (delete+insert keyed on file_id):
      - lines of current files not yet in the table are inserted;
      - files whose stored fund mapping no longer matches cost_centres.csv / funds.csv are reloaded;
      - after the insert, lines of files that are no longer current (superseded) are deleted (post-hook);
      - a column added to the model is added to the table and every current file reloaded into it.
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
        on_schema_change='append_new_columns',
        post_hook=[
            "delete from {{ this }} where file_id not in (select file_id from {{ ref('int_files_versioned') }} where is_current and feed = 'transactions')"
        ]
    )
}}

{%- if is_incremental() and execute %}
    {#- A column added to the model (a warehouse published by an earlier version) is filled on every line:
        append_new_columns adds it empty, and every current file is reloaded into it. -#}
    {%- set stored_columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list %}
    {%- set added_columns = model.columns.keys() | map('lower') | reject('in', stored_columns) | list %}
    {#- Which files to (re)load is settled first, so the main query filters on constant file ids: DuckDB
        then reads only those files' row groups of raw, and a night's cost follows its new lines. -#}
    {%- set files_to_load_sql %}
        with current_files as (
            select file_id from {{ ref('int_files_versioned') }} where is_current and feed = 'transactions'
        ),
        loaded_files as (
            select distinct file_id from {{ this }}
        ),
        stored_mappings as (
            select distinct expense_area, fund_code, fund_name, funding_source_code from {{ this }}
        ),
        remapped_areas as (
            -- expense areas whose stored fund no longer matches cost_centres.csv / funds.csv
            select stored_mappings.expense_area
            from stored_mappings
            left join {{ ref('cost_centres') }} as cost_centres
                on lower(trim(cost_centres.expense_area)) = lower(trim(stored_mappings.expense_area))
            left join {{ ref('funds') }} as funds
                on funds.fund_code = cost_centres.fund_code
            where stored_mappings.fund_code is distinct from coalesce(cost_centres.fund_code, '{{ var("unmapped_code") }}')
               or stored_mappings.fund_name is distinct from funds.fund_name
               or stored_mappings.funding_source_code is distinct from funds.funding_source_code
        )
        -- new current files (every current file when the model gained a column)
        select file_id from current_files
        where file_id not in (select file_id from loaded_files){{ ' or true' if added_columns else '' }}
        union
        -- current files with lines mapped under different reference data
        select distinct stored.file_id
        from {{ this }} as stored
        where stored.file_id in (select file_id from current_files)
          and exists (select 1 from remapped_areas where remapped_areas.expense_area is not distinct from stored.expense_area)
        order by 1
    {%- endset %}
    {%- set files_to_load = run_query(files_to_load_sql).columns[0].values() | list %}
{%- endif %}

select
    lines.file_id,
    lines.line_number,
    lines.sheet,
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
    lines.amount,
    lines.narrative
from {{ ref('int_transactions_mapped') }} as lines
{%- if is_incremental() %}
    where lines.file_id in ({{ (files_to_load | join(', ')) if files_to_load else 'null' }})
{%- endif %}
