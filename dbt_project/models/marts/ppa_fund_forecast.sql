{#-
    The Police Property Act Fund (Community Grant Scheme) forecast to its financial year's end, at every
    month-end of its ledger (community_grant_fund): the closing balance, plus receipts for the months left at
    their trailing rate (net receipts of the last 12 months, or of the months the ledger has if fewer, a month),
    less grants awarded with a later date in the year (awards the panel has made, still to be paid).
    forecast_year_end_balance = closing_balance + forecast_receipts - grants_committed.
-#}
with ledger as (

    select
        financial_year,
        month_start,
        closing_balance,
        ppa_receipts,
        sum(ppa_receipts) over (order by month_start rows between 11 preceding and current row) as trailing_receipts,
        count(*) over (order by month_start rows between 11 preceding and current row) as trailing_months,
        {{ dbt.cast("11 - " ~ months_between(financial_year_start_date('financial_year'), 'month_start'),
                    dbt.type_int()) }} as months_remaining
    from {{ ref('community_grant_fund') }}

),

committed as (

    select
        ledger.month_start,
        sum(awards.amount) as grants_committed
    from ledger
    inner join {{ ref('int_grant_awards_resolved') }} as awards
        on awards.month_start > ledger.month_start
        and awards.award_date <= {{ financial_year_end_date('ledger.financial_year') }}
    group by ledger.month_start

),

forecast as (

    select
        ledger.financial_year,
        {{ dbt.cast(dbt.last_day('ledger.month_start', 'month'), 'date') }} as month_end,
        ledger.closing_balance,
        {{ to_money(pence_to_money(integer_divide_round(money_to_pence('ledger.trailing_receipts'),
                                                        'ledger.trailing_months'))) }} as trailing_monthly_receipts,
        ledger.months_remaining,
        {{ prorate_money('ledger.trailing_receipts', 'ledger.months_remaining', 'ledger.trailing_months') }}
            as forecast_receipts,
        {{ to_money('coalesce(committed.grants_committed, 0)') }} as grants_committed
    from ledger
    left join committed
        on committed.month_start = ledger.month_start

)

select
    financial_year,
    month_end,
    closing_balance,
    trailing_monthly_receipts,
    months_remaining,
    forecast_receipts,
    grants_committed,
    {{ to_money('closing_balance + forecast_receipts - grants_committed') }} as forecast_year_end_balance
from forecast
