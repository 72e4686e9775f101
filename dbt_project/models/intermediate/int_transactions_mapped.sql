{#-
    Ledger lines of current transactions files, mapped to funds by the rules of fund_mapping_rules.csv
    (macros/fund_mapping.sql, docs/mapping.md): the most specific rule in force on the line's date wins.
    Lines no rule matches go to fund UNMAPPED, so no pound is lost.
-#}
with current_files as (

    select file_id
    from {{ ref('int_files_versioned') }}
    where is_current and feed = 'transactions'

),

rule_columns as (

    -- Suppliers and extras vary nearly line by line: they are part of a line's key only when a rule needs them.
    select
        coalesce(max(case when nullif(trim(supplier), '') is not null then 1 else 0 end), 0) = 1 as uses_supplier,
        coalesce(max(case when nullif(trim(extra_column), '') is not null then 1 else 0 end), 0) = 1 as uses_extras
    from {{ ref('fund_mapping_rules') }}

),

{#- The ledger is read twice, narrow for its distinct keys and whole for the lines, rather than through one CTE
    both use: an engine would keep every column of every line of such a CTE in memory (4 s of 7 on 2M lines). -#}
{%- set keyed_lines %}
    from {{ ref('stg_raw__transactions') }} as transactions
    inner join current_files
        on current_files.file_id = transactions.file_id
    cross join rule_columns
{%- endset %}
{%- set key_columns %}
        coalesce(transactions.body, '') as key_body,
        coalesce(transactions.expense_area, '') as key_expense_area,
        coalesce(transactions.expense_type, '') as key_expense_type,
        case when rule_columns.uses_supplier then coalesce(transactions.supplier, '') else '' end as key_supplier,
        case when rule_columns.uses_extras then coalesce(transactions.extras, '') else '' end as key_extras
{%- endset %}

line_keys as (

    select distinct
        {{ key_columns | replace(' as key_', ' as ') }}
    {{ keyed_lines }}

),

mapped_keys as (

    {{ fund_mapping_segments('line_keys') }}

),

lines as (

    select
        transactions.*,
        {{ key_columns }}
    {{ keyed_lines }}

),

funds as (

    select * from {{ ref('funds') }}

)

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
    coalesce(mapped_keys.fund_code, '{{ var("unmapped_code") }}') as fund_code,
    funds.fund_name,
    funds.funding_source_code,
    lines.amount,
    lines.narrative,
    mapped_keys.mapping_rule,
    coalesce(mapped_keys.mapping_ambiguous, false) as mapping_ambiguous,
    {{ fund_mapping_version() }} as mapping_version
from lines
left join mapped_keys
    on mapped_keys.body = lines.key_body
    and mapped_keys.expense_area = lines.key_expense_area
    and mapped_keys.expense_type = lines.key_expense_type
    and mapped_keys.supplier = lines.key_supplier
    and mapped_keys.extras = lines.key_extras
    and mapped_keys.segment_from <= lines.transaction_date
    and (mapped_keys.next_from is null or lines.transaction_date < mapped_keys.next_from)
left join funds
    on funds.fund_code = mapped_keys.fund_code
