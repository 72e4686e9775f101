{#-
    The budget of every fund at every month-end of each monitored financial year (a year with any budget
    line or ledger line): the original budget, the virements and carry-forwards that have taken effect by
    the month-end (a change counts from the month of its change_date; one without a date from the year's
    start), the revised budget (original + virements + carry-forwards) and the profiled budget to date.
    Profile: budget_profiles.csv weights per month when the fund and year have any, else straight-line;
    profiled to date = revised budget x weights to the month / the year's weights, to the penny.
-#}
with lines as (

    select
        financial_year,
        fund_code,
        budget_change,
        coalesce({{ month_start('change_date') }}, {{ financial_year_start_date('financial_year') }})
            as effective_month,
        amount
    from {{ ref('int_budget_lines_resolved') }}
    where fund_code is not null

),

years as (

    select distinct financial_year from {{ ref('int_budget_lines_resolved') }}
    union
    select distinct financial_year from {{ ref('spend_transactions') }}

),

funds as (

    -- every fund; UNMAPPED only in years with unmapped spend
    select years.financial_year, funds.fund_code
    from years
    cross join {{ ref('dim_funds') }} as funds
    where funds.fund_code <> '{{ var("unmapped_code") }}'

    union

    select distinct financial_year, fund_code
    from {{ ref('spend_transactions') }}
    where fund_code = '{{ var("unmapped_code") }}'

),

grid as (

    select
        funds.financial_year,
        funds.fund_code,
        calendar.month_start,
        calendar.month_end,
        calendar.financial_month_number
    from funds
    inner join {{ ref('int_financial_months') }} as calendar
        on calendar.financial_year = funds.financial_year

),

changes as (

    select
        grid.financial_year,
        grid.fund_code,
        grid.month_end,
        sum(case when lines.budget_change = 'original' then lines.amount else 0 end) as original_budget,
        sum(case when lines.budget_change = 'virement' and lines.effective_month <= grid.month_start
                then lines.amount
            else 0
        end) as virements,
        sum(case when lines.budget_change = 'carry_forward' and lines.effective_month <= grid.month_start
                then lines.amount
            else 0
        end) as carry_forwards
    from grid
    inner join lines
        on lines.financial_year = grid.financial_year
        and lines.fund_code = grid.fund_code
    group by grid.financial_year, grid.fund_code, grid.month_end

),

profiles as (

    select financial_year, fund_code, month_number, weight
    from {{ ref('budget_profiles') }}

),

weights as (

    -- weight to date and for the whole year, per month-end; straight-line (month number / 12) without a profile
    select
        grid.financial_year,
        grid.fund_code,
        grid.month_end,
        coalesce(
            (
                select sum(p.weight) from profiles as p
                where p.financial_year = grid.financial_year and p.fund_code = grid.fund_code
                    and p.month_number <= grid.financial_month_number
            ),
            0
        ) as profile_weight_to_date,
        (
            select sum(p.weight) from profiles as p
            where p.financial_year = grid.financial_year and p.fund_code = grid.fund_code
        ) as profile_weight_year
    from grid

),

revised as (

    select
        grid.financial_year,
        grid.fund_code,
        grid.month_start,
        grid.month_end,
        grid.financial_month_number,
        {{ to_money('coalesce(changes.original_budget, 0)') }} as original_budget,
        {{ to_money('coalesce(changes.virements, 0)') }} as virements,
        {{ to_money('coalesce(changes.carry_forwards, 0)') }} as carry_forwards,
        {{ to_money('coalesce(changes.original_budget, 0) + coalesce(changes.virements, 0)'
                    ~ ' + coalesce(changes.carry_forwards, 0)') }} as revised_budget,
        weights.profile_weight_year is not null and weights.profile_weight_year > 0 as is_profiled,
        weights.profile_weight_to_date,
        weights.profile_weight_year
    from grid
    left join changes
        on changes.financial_year = grid.financial_year
        and changes.fund_code = grid.fund_code
        and changes.month_end = grid.month_end
    left join weights
        on weights.financial_year = grid.financial_year
        and weights.fund_code = grid.fund_code
        and weights.month_end = grid.month_end

)

select
    financial_year,
    fund_code,
    month_start,
    month_end,
    financial_month_number,
    original_budget,
    virements,
    carry_forwards,
    revised_budget,
    case when is_profiled then 'profile' else 'straight_line' end as profile_method,
    case
        when is_profiled then {{ pence_to_money(integer_divide_round(
            money_to_pence('revised_budget') ~ ' * ' ~ dbt.cast('profile_weight_to_date * 10000', dbt.type_bigint()),
            dbt.cast('profile_weight_year * 10000', dbt.type_bigint()))) }}
        else {{ prorate_money('revised_budget', 'financial_month_number', 12) }}
    end as profiled_budget_to_date
from revised
