-- The Community Grant Scheme ledger starts at its seeded opening balance. (That each later month opens at
-- the previous month's close is a reconciliation, and GX owns it: ppa.opening_equals_previous_closing.)
with first_month as (

    select opening_balance
    from {{ ref('community_grant_fund') }}
    order by month_start
    limit 1

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

select first_month.opening_balance, opening.opening_balance as seeded
from first_month
cross join opening
where first_month.opening_balance <> opening.opening_balance
