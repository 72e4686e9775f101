{#-
    Budget, committed, planned and actual spend per funding source and financial year: the ring-fence view
    (e.g. the Ministry of Justice victims grant). committed_headroom = budget - committed;
    headroom = budget - committed - planned. Budget lines set at funding-source level (no fund) count here.
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

    select financial_year, coalesce(funding_source_code, '{{ var("unmapped_code") }}') as funding_source_code, sum(amount) as actual
    from {{ ref('spend_transactions') }}
    group by financial_year, coalesce(funding_source_code, '{{ var("unmapped_code") }}')

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
    {{ to_money('coalesce(budget.budget, 0) - coalesce(committed.committed, 0) - coalesce(planned.planned, 0)') }} as headroom
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
