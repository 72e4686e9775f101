{#-
    Budget monitoring: where each fund will end the year, at every month-end of each monitored year (the
    Treasurer's quarterly report to the PCC, the audit committee and the Police and Crime Panel).
    revised_budget = original_budget + virements + carry_forwards (those in effect at the month-end);
    variance_to_profile = profiled_budget_to_date - actual_to_date; forecast_outturn = actual_to_date +
    committed_remaining + planned_remaining + run_rate_remaining (int_forecast_terms_monthly says how each term
    is found); forecast_variance = revised_budget - forecast_outturn (negative: forecast over budget).
    Variances are budget - spend, as in budget_vs_actual: positive is an underspend.
-#}
with budget as (

    select * from {{ ref('int_budget_profiled_monthly') }}

),

terms as (

    select * from {{ ref('int_forecast_terms_monthly') }}

),

funds as (

    select * from {{ ref('dim_funds') }}

),

joined as (

    select
        budget.financial_year,
        budget.month_end,
        budget.financial_month_number,
        budget.fund_code,
        funds.fund_name,
        funds.scheme,
        funds.funding_source_code,
        funds.funding_source_name,
        funds.ring_fenced,
        budget.original_budget,
        budget.virements,
        budget.carry_forwards,
        budget.revised_budget,
        budget.profile_method,
        budget.profiled_budget_to_date,
        terms.actual_to_date,
        {{ to_money('budget.profiled_budget_to_date - terms.actual_to_date') }} as variance_to_profile,
        terms.committed_remaining,
        terms.planned_remaining,
        terms.run_rate_remaining,
        terms.forecast_outturn,
        {{ to_money('budget.revised_budget - terms.forecast_outturn') }} as forecast_variance,
        terms.is_latest
    from budget
    inner join terms
        on terms.financial_year = budget.financial_year
        and terms.fund_code = budget.fund_code
        and terms.month_end = budget.month_end
    inner join funds
        on funds.fund_code = budget.fund_code

)

select
    financial_year,
    month_end,
    financial_month_number,
    fund_code,
    fund_name,
    scheme,
    funding_source_code,
    funding_source_name,
    ring_fenced,
    original_budget,
    virements,
    carry_forwards,
    revised_budget,
    profile_method,
    profiled_budget_to_date,
    actual_to_date,
    variance_to_profile,
    committed_remaining,
    planned_remaining,
    run_rate_remaining,
    forecast_outturn,
    forecast_variance,
    case
        when revised_budget = 0 and forecast_outturn = 0 then 'GREEN'
        when revised_budget <= 0 then 'NO BUDGET'
        when
            -forecast_variance > revised_budget * {{ dbt.cast("'" ~ var('rag_red_overspend') ~ "'", 'decimal(9,4)') }}
            then 'RED'
        when
            -forecast_variance > revised_budget * {{ dbt.cast("'" ~ var('rag_amber_overspend') ~ "'", 'decimal(9,4)') }}
            then 'AMBER'
        when
            forecast_variance > revised_budget * {{ dbt.cast("'" ~ var('rag_amber_underspend') ~ "'", 'decimal(9,4)') }}
            then 'AMBER'
        else 'GREEN'
    end as rag_status,
    is_latest
from joined
