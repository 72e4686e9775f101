{{ config(severity='warn') }}
-- Each year's budget extract should reconcile to the approved figures in budget_controls.csv:
--   priority_commissioning_total = budget lines on funds of the Priority Commissioning scheme;
--   moj_ring_fence = budget lines of the Ministry of Justice funding source.
-- A warning, not an error: the finance report shows the reconciliation; a mismatch does not block publishing.
with lines as (

    select budgets.financial_year, budgets.funding_source_code, funds.scheme, budgets.amount
    from {{ ref('int_budgets_resolved') }} as budgets
    left join {{ ref('funds') }} as funds
        on funds.fund_code = budgets.fund_code

),

actual as (

    select financial_year, 'priority_commissioning_total' as control_code, sum(amount) as amount
    from lines
    where scheme = 'Priority Commissioning'
    group by financial_year

    union all

    select financial_year, 'moj_ring_fence', sum(amount)
    from lines
    where funding_source_code = 'MOJ'
    group by financial_year

)

select controls.financial_year, controls.control_code, controls.amount as approved, actual.amount as in_extract
from {{ ref('budget_controls') }} as controls
left join actual
    on actual.financial_year = controls.financial_year
    and actual.control_code = controls.control_code
where controls.financial_year in (select financial_year from lines)
  and controls.control_code in ('priority_commissioning_total', 'moj_ring_fence')
  and coalesce(actual.amount, 0) <> controls.amount
