{#-
    The forecast outturn of every fund at every month-end of each monitored financial year, term by term:
      actual_to_date       ledger spend on the fund from 1 April to the month-end;
      committed_remaining  what the fund's commitments still cost in the year after the month-end:
                           annual_value x (calendar months left of the contract in the year) / 12, as contracts
                           are spread over years (a month touched counts whole);
      planned_remaining    anticipated spend of the year's planned projects, except those cancelled or on hold,
                           until the year is over (they are not yet committed: none has spent against a contract);
      run_rate_remaining   spend no commitment explains (actual to date - commitments' value to date, at least 0)
                           continued at its rate so far: that spend x months left / months gone;
      forecast_outturn     actual_to_date + committed_remaining + planned_remaining + run_rate_remaining.
    At 31 March no month is left, so the forecast outturn is the actual. is_latest marks each year's month-end
    of the latest ledger month (the year's end for a year the ledger has passed, its first month-end before).
-#}
with grid as (

    select financial_year, fund_code, month_start, month_end, financial_month_number
    from {{ ref('int_budget_profiled_monthly') }}

),

actuals as (

    select
        grid.financial_year,
        grid.fund_code,
        grid.month_end,
        sum(spend.amount) as actual_to_date
    from grid
    inner join {{ ref('spend_transactions') }} as spend
        on spend.financial_year = grid.financial_year
        and spend.fund_code = grid.fund_code
        and spend.month_start <= grid.month_start
    group by grid.financial_year, grid.fund_code, grid.month_end

),

commitment_months as (

    -- each commitment's calendar months in the year, split at the month-end
    select
        grid.financial_year,
        grid.fund_code,
        grid.month_end,
        commitments.annual_value,
        commitments.months_in_year,
        case
            when
                least(commitments.end_date, {{ financial_year_end_date('grid.financial_year') }}) <= grid.month_end
                then 0
            else {{ months_between(
                'greatest(commitments.start_date, ' ~ dbt.dateadd('day', 1, 'grid.month_end') ~ ')',
                'least(commitments.end_date, ' ~ financial_year_end_date('grid.financial_year') ~ ')') }} + 1
        end as months_remaining
    from grid
    inner join {{ ref('int_commitments_spread_by_year') }} as commitments
        on commitments.financial_year = grid.financial_year
        and commitments.fund_code = grid.fund_code

),

committed as (

    select
        financial_year,
        fund_code,
        month_end,
        sum({{ prorate_money('annual_value', 'months_remaining', 12) }}) as committed_remaining,
        sum({{ prorate_money('annual_value', 'months_in_year - months_remaining', 12) }}) as committed_to_date
    from commitment_months
    group by financial_year, fund_code, month_end

),

planned as (

    select financial_year, fund_code, sum(anticipated_spend) as planned
    from {{ ref('int_planned_projects_resolved') }}
    where coalesce({{ match_key('status') }}, '') not in ('cancelled', 'canceled', 'onhold', 'withdrawn')
    group by financial_year, fund_code

),

terms as (

    select
        grid.financial_year,
        grid.fund_code,
        grid.month_start,
        grid.month_end,
        grid.financial_month_number as months_elapsed,
        12 - grid.financial_month_number as months_remaining,
        {{ to_money('coalesce(actuals.actual_to_date, 0)') }} as actual_to_date,
        {{ to_money('coalesce(committed.committed_to_date, 0)') }} as committed_to_date,
        {{ to_money('coalesce(committed.committed_remaining, 0)') }} as committed_remaining,
        {{ to_money('case when grid.financial_month_number < 12 then coalesce(planned.planned, 0) else 0 end') }}
            as planned_remaining
    from grid
    left join actuals
        on actuals.financial_year = grid.financial_year
        and actuals.fund_code = grid.fund_code
        and actuals.month_end = grid.month_end
    left join committed
        on committed.financial_year = grid.financial_year
        and committed.fund_code = grid.fund_code
        and committed.month_end = grid.month_end
    left join planned
        on planned.financial_year = grid.financial_year
        and planned.fund_code = grid.fund_code

),

with_run_rate as (

    select
        terms.*,
        {{ to_money('greatest(actual_to_date - committed_to_date, 0)') }} as unexplained_to_date
    from terms

),

latest_ledger as (

    select max(month_start) as month_start from {{ ref('spend_transactions') }}

)

select
    with_run_rate.financial_year,
    with_run_rate.fund_code,
    with_run_rate.month_start,
    with_run_rate.month_end,
    with_run_rate.months_elapsed,
    with_run_rate.months_remaining,
    with_run_rate.actual_to_date,
    with_run_rate.committed_to_date,
    with_run_rate.committed_remaining,
    with_run_rate.planned_remaining,
    with_run_rate.unexplained_to_date,
    {{ prorate_money('with_run_rate.unexplained_to_date', 'with_run_rate.months_remaining',
                     'with_run_rate.months_elapsed') }} as run_rate_remaining,
    {{ to_money('with_run_rate.actual_to_date + with_run_rate.committed_remaining + with_run_rate.planned_remaining'
                ~ ' + ' ~ prorate_money('with_run_rate.unexplained_to_date', 'with_run_rate.months_remaining',
                                        'with_run_rate.months_elapsed')) }} as forecast_outturn,
    with_run_rate.month_start = least(
        {{ dbt.cast(dbt.dateadd('month', 11, financial_year_start_date('with_run_rate.financial_year')), 'date') }},
        greatest(
            {{ financial_year_start_date('with_run_rate.financial_year') }},
            coalesce(latest_ledger.month_start, {{ financial_year_start_date('with_run_rate.financial_year') }})
        )
    ) as is_latest
from with_run_rate
cross join latest_ledger
