{#-
    Monthly budget against actual spend per fund and cost centre, with year-to-date figures.
    Budget: each financial year's budget on a fund + cost centre, divided by 12 (to the penny; March takes
    the rounding so the 12 months add up to the annual budget exactly). Actual: current ledger lines,
    mapped to funds by the mapping rules (unmapped lines under fund UNMAPPED), so in every financial
    year the actuals equal the loaded current transactions to the penny.
-#}
with budget_years as (

    select
        financial_year,
        coalesce(fund_code, '{{ var("unmapped_code") }}') as fund_code,
        cost_centre,
        sum(amount) as annual_budget
    from {{ ref('int_budgets_resolved') }}
    group by financial_year, coalesce(fund_code, '{{ var("unmapped_code") }}'), cost_centre

),

actual_months as (

    select
        financial_year,
        month_start,
        fund_code,
        expense_area as cost_centre,
        sum(amount) as actual
    from {{ ref('spend_transactions') }}
    group by financial_year, month_start, fund_code, expense_area

),

lines as (

    select financial_year, fund_code, cost_centre from budget_years
    union
    select financial_year, fund_code, cost_centre from actual_months

),

grid as (

    select
        lines.financial_year,
        calendar.month_start,
        calendar.financial_month_number,
        lines.fund_code,
        lines.cost_centre
    from lines
    inner join {{ ref('int_financial_months') }} as calendar
        on calendar.financial_year = lines.financial_year

),

monthly as (

    select
        grid.financial_year,
        grid.month_start,
        grid.fund_code,
        grid.cost_centre,
        case
            when budget_years.annual_budget is null then {{ to_money('0') }}
            when grid.financial_month_number < 12
                then {{ pence_to_money(integer_divide_round(money_to_pence('budget_years.annual_budget'), 12)) }}
            else {{ to_money('budget_years.annual_budget - 11 * '
                ~ pence_to_money(integer_divide_round(money_to_pence('budget_years.annual_budget'), 12))) }}
        end as budget,
        {{ to_money('coalesce(actual_months.actual, 0)') }} as actual
    from grid
    left join budget_years
        on budget_years.financial_year = grid.financial_year
        and budget_years.fund_code = grid.fund_code
        and budget_years.cost_centre is not distinct from grid.cost_centre
    left join actual_months
        on actual_months.month_start = grid.month_start
        and actual_months.fund_code = grid.fund_code
        and actual_months.cost_centre is not distinct from grid.cost_centre

)

select
    financial_year,
    month_start,
    fund_code,
    cost_centre,
    budget,
    actual,
    {{ to_money('budget - actual') }} as variance,
    {%- set year_to_date = ' over (partition by financial_year, fund_code, cost_centre'
        ~ ' order by month_start rows between unbounded preceding and current row)' %}
    {{ to_money('sum(budget)' ~ year_to_date) }} as budget_ytd,
    {{ to_money('sum(actual)' ~ year_to_date) }} as actual_ytd,
    {{ to_money('sum(budget - actual)' ~ year_to_date) }} as variance_ytd
from monthly
