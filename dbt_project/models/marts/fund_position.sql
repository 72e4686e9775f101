{#-
    Budget, committed, planned and actual spend per fund and financial year.
    headroom = budget - committed - planned. Actual spend whose expense area is not mapped to a fund
    appears under fund UNMAPPED so that actuals add up to the ledger.
-#}
with funds as (

    select * from {{ ref('dim_funds') }}

),

budget as (

    select financial_year, fund_code, sum(amount) as budget
    from {{ ref('int_budgets_resolved') }}
    where fund_code is not null
    group by financial_year, fund_code

),

committed as (

    select financial_year, fund_code, sum(value) as committed
    from {{ ref('int_commitments_spread_by_year') }}
    group by financial_year, fund_code

),

planned as (

    select financial_year, fund_code, sum(anticipated_spend) as planned
    from {{ ref('int_planned_projects_resolved') }}
    group by financial_year, fund_code

),

actual as (

    select financial_year, fund_code, sum(amount) as actual
    from {{ ref('spend_transactions') }}
    group by financial_year, fund_code

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

    -- every fund in every year with any figures; UNMAPPED only where unmapped spend exists
    select years.financial_year, funds.fund_code
    from years
    cross join funds
    where funds.fund_code <> '{{ var("unmapped_code") }}'

    union

    select financial_year, fund_code
    from actual
    where fund_code = '{{ var("unmapped_code") }}'

)

select
    grid.financial_year,
    funds.body_code,
    grid.fund_code,
    funds.fund_name,
    funds.scheme,
    funds.funding_source_code,
    funds.funding_source_name,
    funds.ring_fenced,
    {{ to_money('coalesce(budget.budget, 0)') }} as budget,
    {{ to_money('coalesce(committed.committed, 0)') }} as committed,
    {{ to_money('coalesce(planned.planned, 0)') }} as planned,
    {{ to_money('coalesce(actual.actual, 0)') }} as actual,
    {{ to_money('coalesce(budget.budget, 0) - coalesce(committed.committed, 0) - coalesce(planned.planned, 0)') }}
        as headroom
from grid
inner join funds
    on funds.fund_code = grid.fund_code
left join budget
    on budget.financial_year = grid.financial_year and budget.fund_code = grid.fund_code
left join committed
    on committed.financial_year = grid.financial_year and committed.fund_code = grid.fund_code
left join planned
    on planned.financial_year = grid.financial_year and planned.fund_code = grid.fund_code
left join actual
    on actual.financial_year = grid.financial_year and actual.fund_code = grid.fund_code
