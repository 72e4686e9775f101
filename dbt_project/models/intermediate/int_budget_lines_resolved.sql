{#-
    Every budget line of current budgets files (the original budget and its revisions: virements and
    carry-forwards), with funding source and fund resolved to reference codes
    (extracts may give codes or names). A line may be set at funding-source level (no fund), at fund
    level, or at cost-centre level; a cost centre without a fund takes the fund the mapping rules
    (fund_mapping_rules.csv) give that expense area / cost centre on 1 April of the budget's year (a rule that
    also constrains another ledger column cannot apply to a budget line).
-#}
with budgets as (

    select * from {{ ref('stg_raw__budgets') }} as budgets
    where {{ not_set_aside('budgets') }}

),

current_files as (

    select file_id
    from {{ ref('int_files_versioned') }}
    where is_current and feed = 'budgets'

),

cost_centre_keys as (

    select distinct
        '' as body,
        coalesce(cost_centre, '') as expense_area,
        '' as expense_type,
        '' as supplier,
        '' as extras
    from budgets
    where cost_centre is not null

),

cost_centres as (

    {{ fund_mapping_segments('cost_centre_keys') }}

),

funds as (

    select * from {{ ref('funds') }}

),

resolved as (

    select
        budgets.file_id,
        budgets.line_number,
        budgets.sheet,
        budgets.financial_year,
        budgets.funding_source,
        {{ resolve_funding_source_code('budgets.funding_source_match_key') }} as stated_funding_source_code,
        budgets.fund,
        coalesce({{ resolve_fund_code('budgets.fund_match_key') }}, cost_centres.fund_code) as fund_code,
        budgets.cost_centre,
        budgets.description,
        budgets.amount,
        budgets.budget_change,
        budgets.change_date,
        budgets.decision_reference
    from budgets
    inner join current_files
        on current_files.file_id = budgets.file_id
    left join cost_centres
        on cost_centres.expense_area = budgets.cost_centre
        and cost_centres.segment_from <= {{ financial_year_start_date('budgets.financial_year') }}
        and (
            cost_centres.next_from is null
            or {{ financial_year_start_date('budgets.financial_year') }} < cost_centres.next_from
        )

)

select
    resolved.file_id,
    resolved.line_number,
    resolved.sheet,
    resolved.financial_year,
    resolved.funding_source,
    coalesce(resolved.stated_funding_source_code, funds.funding_source_code) as funding_source_code,
    resolved.stated_funding_source_code,
    resolved.fund,
    resolved.fund_code,
    funds.fund_name,
    funds.body_code,
    resolved.cost_centre,
    resolved.description,
    resolved.amount,
    resolved.budget_change,
    resolved.change_date,
    resolved.decision_reference
from resolved
left join funds
    on funds.fund_code = resolved.fund_code
