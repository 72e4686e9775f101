-- The Community Grant Scheme ledger starts at the seeded opening balance and each month opens at the
-- previous month's closing balance.
with ledger as (

    select
        month_start,
        opening_balance,
        lag(closing_balance) over (order by month_start) as previous_closing,
        row_number() over (order by month_start) as month_number
    from {{ ref('community_grant_fund') }}

),

opening as (

    select opening.opening_balance
    from {{ ref('fund_opening_balances') }} as opening
    inner join {{ ref('funds') }} as funds
        on funds.fund_code = opening.fund_code
    where funds.scheme = '{{ var("community_grant_scheme") }}'
    order by opening.as_at
    limit 1

)

select ledger.*
from ledger
where (month_number = 1 and opening_balance <> (select opening_balance from opening))
   or (month_number > 1 and opening_balance <> previous_closing)
