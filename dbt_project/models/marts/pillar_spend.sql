{#-
    Committed and planned spend per Police and Crime Plan pillar and financial year, with each pillar's
    share of the year's total. Shares are DECIMAL(9,6) and add up to exactly 1 in every year with spend
    (largest-remainder rounding, computed in whole pence, never in floating point).
-#}
with spend as (

    select financial_year, pillar_code, value as committed, 0 as planned
    from {{ ref('int_commitments_spread_by_year') }}

    union all

    select financial_year, pillar_code, 0 as committed, anticipated_spend as planned
    from {{ ref('int_planned_projects_resolved') }}

),

by_pillar as (

    select financial_year, pillar_code, sum(committed) as committed, sum(planned) as planned
    from spend
    group by financial_year, pillar_code

),

pillars as (

    select * from {{ ref('dim_pillars') }}

),

grid as (

    -- every pillar of the plan(s) in force during a year with spend, plus any pillar with spend
    select distinct by_pillar.financial_year, pillars.pillar_code
    from by_pillar
    inner join pillars
        on coalesce(pillars.valid_from, {{ dbt.cast("'1900-01-01'", 'date') }})
        <= {{ financial_year_end_date('by_pillar.financial_year') }}
        and coalesce(pillars.valid_to, {{ dbt.cast("'9999-12-31'", 'date') }})
        >= {{ financial_year_start_date('by_pillar.financial_year') }}

    union

    select financial_year, pillar_code
    from by_pillar

),

totals as (

    select
        grid.financial_year,
        grid.pillar_code,
        pillars.pillar_name,
        {{ to_money('coalesce(by_pillar.committed, 0)') }} as committed,
        {{ to_money('coalesce(by_pillar.planned, 0)') }} as planned,
        {{ to_money('coalesce(by_pillar.committed, 0) + coalesce(by_pillar.planned, 0)') }} as total
    from grid
    left join pillars
        on pillars.pillar_code = grid.pillar_code
    left join by_pillar
        on by_pillar.financial_year = grid.financial_year
        and by_pillar.pillar_code = grid.pillar_code

),

in_pence as (

    select
        totals.*,
        {{ money_to_pence('total') }} as total_pence,
        sum({{ money_to_pence('total') }}) over (partition by financial_year) as year_pence
    from totals

),

floored as (

    -- millionths of the year's total, rounded down, and what rounding down left over
    select
        in_pence.*,
        case
            when year_pence = 0 then 0
            else {{ integer_divide('total_pence * 1000000', 'year_pence') }}
        end as share_units_floor,
        case
            when year_pence = 0 then 0
            else total_pence * 1000000 - {{ integer_divide('total_pence * 1000000', 'year_pence') }} * year_pence
        end as remainder
    from in_pence

),

ranked as (

    select
        floored.*,
        case
            when year_pence = 0 then 0
            else 1000000 - sum(share_units_floor) over (partition by financial_year)
        end as units_to_distribute,
        row_number() over (partition by financial_year order by remainder desc, pillar_code asc) as remainder_rank
    from floored

)

select
    financial_year,
    pillar_code,
    pillar_name,
    committed,
    planned,
    total,
    {{ dbt.cast(
        dbt.cast('share_units_floor + case when remainder_rank <= units_to_distribute then 1 else 0 end', 'decimal(18,0)')
        ~ ' * ' ~ dbt.cast('0.000001', 'decimal(7,6)'),
        share_type()) }} as share_of_total
from ranked
