{#-
    Monthly ledger of the Police Property Act fund that finances the Community Grant Scheme
    (the fund whose scheme is var('community_grant_scheme') in funds.csv). It starts from the fund's
    opening balance (fund_opening_balances.csv) and runs every month, without gaps, from the month of
    the opening date through the last month with receipts or awards:
    closing_balance = opening_balance + net Police Property Act receipts - grants awarded.
-#}
with fund as (

    select funds.fund_code, opening.as_at, opening.opening_balance
    from {{ ref('funds') }} as funds
    inner join {{ ref('fund_opening_balances') }} as opening
        on opening.fund_code = funds.fund_code
    where funds.scheme = '{{ var("community_grant_scheme") }}'
        -- the ledger starts at the earliest opening balance given for the fund
        and opening.as_at = (
            select min(first_opening.as_at)
            from {{ ref('fund_opening_balances') }} as first_opening
            where first_opening.fund_code = funds.fund_code
        )

),

receipts as (

    select
        receipts.month_start,
        sum(receipts.gross_amount) as gross_receipts,
        sum(receipts.sale_costs) as sale_costs,
        sum(receipts.net_amount) as ppa_receipts
    from {{ ref('int_ppa_receipts_filtered') }} as receipts
    inner join fund
        on receipts.receipt_date >= fund.as_at
    group by receipts.month_start

),

grants as (

    select awards.month_start, sum(awards.amount) as grants_awarded
    from {{ ref('int_grant_awards_resolved') }} as awards
    inner join fund
        on awards.award_date >= fund.as_at
    group by awards.month_start

),

span as (

    select
        {{ month_start('fund.as_at') }} as first_month,
        coalesce(
            (select max(activity.month_start) from (
                select month_start from receipts
                union all
                select month_start from grants
            ) as activity),
            {{ month_start('fund.as_at') }}
        ) as last_month
    from fund

),

months as (

    select calendar.month_start, calendar.financial_year
    from {{ ref('int_financial_months') }} as calendar
    inner join span
        on calendar.month_start >= span.first_month
        and calendar.month_start <= span.last_month

),

movements as (

    select
        months.financial_year,
        months.month_start,
        coalesce(receipts.gross_receipts, 0) as gross_receipts,
        coalesce(receipts.sale_costs, 0) as sale_costs,
        coalesce(receipts.ppa_receipts, 0) as ppa_receipts,
        coalesce(grants.grants_awarded, 0) as grants_awarded
    from months
    left join receipts
        on receipts.month_start = months.month_start
    left join grants
        on grants.month_start = months.month_start

),

running as (

    select
        movements.*,
        (select fund.opening_balance from fund)
        + sum(ppa_receipts - grants_awarded) over (
            order by month_start rows between unbounded preceding and current row
        ) as closing_balance
    from movements

)

select
    financial_year,
    month_start,
    {{ month_label('month_start') }} as month_label,
    {{ to_money('closing_balance - ppa_receipts + grants_awarded') }} as opening_balance,
    {{ to_money('gross_receipts') }} as gross_receipts,
    {{ to_money('sale_costs') }} as sale_costs,
    {{ to_money('ppa_receipts') }} as ppa_receipts,
    {{ to_money('grants_awarded') }} as grants_awarded,
    {{ to_money('closing_balance') }} as closing_balance
from running
