{#-
    Every current ledger line (transactions of current loaded files), with its financial year, month and
    the fund it is charged to by the mapping rules of fund_mapping_rules.csv (fund UNMAPPED when no rule matches).

    Incremental, by whole file (delete+insert keyed on file_id):
      - lines of current files not yet in the table are inserted;
      - when the mapping rules or the funds changed (the stored mapping_version is not the current one), every
        current file is reloaded: a rule may move any line, in any month;
      - after the insert, lines of files that are no longer current (superseded) are deleted (post-hook);
      - a column added to the model is added to the table and every current file reloaded into it.
    `dbt build --full-refresh` rebuilds from scratch and gives the same rows.
-#}
-- depends_on: {{ ref('fund_mapping_rules') }}
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
    {#- Current files with lines mapped under other mapping rules or funds (a table from before mapping_version
        was added reloads every file anyway). -#}
    {%- set remapped_files %}
        union
        select distinct stored.file_id
        from {{ this }} as stored
        where stored.file_id in (select file_id from current_files)
          and stored.mapping_version is distinct from (select mapping_version from current_mapping)
    {%- endset %}
    {%- set files_to_load_sql %}
        with current_files as (
            select file_id from {{ ref('int_files_versioned') }} where is_current and feed = 'transactions'
        ),
        loaded_files as (
            select distinct file_id from {{ this }}
        ),
        current_mapping as (
            select {{ fund_mapping_version() }} as mapping_version
        )
        -- new current files (every current file when the model gained a column)
        select file_id from current_files
        where file_id not in (select file_id from loaded_files){{ ' or true' if added_columns else '' }}
        {{ remapped_files if 'mapping_version' in stored_columns else '' }}
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
    lines.narrative,
    lines.mapping_rule,
    lines.mapping_ambiguous,
    lines.mapping_version
from {{ ref('int_transactions_mapped') }} as lines
{%- if is_incremental() %}
    where lines.file_id in ({{ (files_to_load | join(', ')) if files_to_load else 'null' }})
{%- endif %}
