{#-
    Budget, committed, planned and actual spend per funding source and financial year: the ring-fence view
    (e.g. the Ministry of Justice victims grant). committed_headroom = budget - committed;
    headroom = budget - committed - planned. Budget lines set at funding-source level (no fund) count here.
    The forecast (budget_monitoring at the year's latest month-end, summed over the source's funds):
    revised_budget = budget + virements + carry-forwards; forecast_variance = revised_budget - forecast_outturn,
    so a ring-fenced grant's forecast underspend (money the PCC must not lose) is positive.
-#}
with funding_sources as (

    select * from {{ ref('dim_funding_sources') }}

),

budget as (

    select financial_year, funding_source_code, sum(amount) as budget
    from {{ ref('int_budgets_resolved') }}
    group by financial_year, funding_source_code

),

committed as (

    select financial_year, funding_source_code, sum(value) as committed
    from {{ ref('int_commitments_spread_by_year') }}
    group by financial_year, funding_source_code

),

planned as (

    select financial_year, funding_source_code, sum(anticipated_spend) as planned
    from {{ ref('int_planned_projects_resolved') }}
    group by financial_year, funding_source_code

),

actual as (

    select
        financial_year,
        coalesce(funding_source_code, '{{ var("unmapped_code") }}') as funding_source_code,
        sum(amount) as actual
    from {{ ref('spend_transactions') }}
    group by financial_year, coalesce(funding_source_code, '{{ var("unmapped_code") }}')

),

forecast as (

    -- the current forecast (each year's latest month-end) of the source's funds, and the revisions in effect then
    select
        financial_year,
        funding_source_code,
        max(month_end) as forecast_as_at,
        sum(virements + carry_forwards) as revisions,
        sum(forecast_outturn) as forecast_outturn
    from {{ ref('budget_monitoring') }}
    where is_latest
    group by financial_year, funding_source_code

),

years as (

    select financial_year from budget
    union
    select financial_year from committed
    union
    select financial_year from planned
    union
    select financial_year from actual

),

grid as (

    select years.financial_year, funding_sources.funding_source_code
    from years
    cross join funding_sources
    where funding_sources.funding_source_code <> '{{ var("unmapped_code") }}'

    union

    select financial_year, funding_source_code
    from actual
    where funding_source_code = '{{ var("unmapped_code") }}'

)

select
    grid.financial_year,
    grid.funding_source_code,
    funding_sources.funding_source_name,
    funding_sources.ring_fenced,
    {{ to_money('coalesce(budget.budget, 0)') }} as budget,
    {{ to_money('coalesce(committed.committed, 0)') }} as committed,
    {{ to_money('coalesce(planned.planned, 0)') }} as planned,
    {{ to_money('coalesce(actual.actual, 0)') }} as actual,
    {{ to_money('coalesce(budget.budget, 0) - coalesce(committed.committed, 0)') }} as committed_headroom,
    {{ to_money('coalesce(budget.budget, 0) - coalesce(committed.committed, 0) - coalesce(planned.planned, 0)') }}
        as headroom,
    forecast.forecast_as_at,
    {{ to_money('coalesce(budget.budget, 0) + coalesce(forecast.revisions, 0)') }} as revised_budget,
    {{ to_money('coalesce(forecast.forecast_outturn, 0)') }} as forecast_outturn,
    {{ to_money('coalesce(budget.budget, 0) + coalesce(forecast.revisions, 0)'
        ~ ' - coalesce(forecast.forecast_outturn, 0)') }} as forecast_variance
from grid
inner join funding_sources
    on funding_sources.funding_source_code = grid.funding_source_code
left join budget
    on budget.financial_year = grid.financial_year and budget.funding_source_code = grid.funding_source_code
left join committed
    on committed.financial_year = grid.financial_year and committed.funding_source_code = grid.funding_source_code
left join planned
    on planned.financial_year = grid.financial_year and planned.funding_source_code = grid.funding_source_code
left join actual
    on actual.financial_year = grid.financial_year and actual.funding_source_code = grid.funding_source_code
left join forecast
    on forecast.financial_year = grid.financial_year and forecast.funding_source_code = grid.funding_source_code
