-- Each year's budget lines add up to the same figure in funding_source_position and in budget_vs_actual
-- (the 12 monthly budgets of a fund + cost centre add up to its annual budget exactly); fund-level budgets
-- in fund_position never exceed the total.
with lines as (

    select financial_year, sum(amount) as amount from {{ ref('int_budgets_resolved') }} group by financial_year

),

by_source as (

    select financial_year, sum(budget) as amount from {{ ref('funding_source_position') }} group by financial_year

),

by_month as (

    select financial_year, sum(budget) as amount from {{ ref('budget_vs_actual') }} group by financial_year

),

by_fund as (

    select financial_year, sum(budget) as amount from {{ ref('fund_position') }} group by financial_year

)

select
    lines.financial_year,
    lines.amount as budget_lines,
    by_source.amount as by_source,
    by_month.amount as by_month,
    by_fund.amount as by_fund
from lines
left join by_source on by_source.financial_year = lines.financial_year
left join by_month on by_month.financial_year = lines.financial_year
left join by_fund on by_fund.financial_year = lines.financial_year
where
    lines.amount <> coalesce(by_source.amount, 0)
    or lines.amount <> coalesce(by_month.amount, 0)
    or coalesce(by_fund.amount, 0) > lines.amount
