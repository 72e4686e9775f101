{#-
    Month spine covering whole financial years, from the first year with any data (ledger, budgets,
    commitments, plans, receipts, awards, opening balances) to the last. The ledger's dates come from the
    incremental spend_transactions table: a column scan, where the view over raw would re-map every line.
-#}
with bounds as (

    select min(first_date) as first_date, max(last_date) as last_date
    from (
        select min(transaction_date) as first_date, max(transaction_date) as last_date
        from {{ ref('spend_transactions') }}
        union all
        select
            min({{ financial_year_start_date('financial_year') }}) as first_date,
            max({{ financial_year_start_date('financial_year') }}) as last_date
        from {{ ref('int_budgets_resolved') }}
        union all
        select min(start_date) as first_date, max(end_date) as last_date from {{ ref('int_commitments_resolved') }}
        union all
        select
            min({{ financial_year_start_date('financial_year') }}) as first_date,
            max({{ financial_year_start_date('financial_year') }}) as last_date
        from {{ ref('int_planned_projects_resolved') }}
        union all
        select min(receipt_date) as first_date, max(receipt_date) as last_date
        from {{ ref('int_ppa_receipts_filtered') }}
        union all
        select min(award_date) as first_date, max(award_date) as last_date from {{ ref('int_grant_awards_resolved') }}
        union all
        select min(as_at) as first_date, max(as_at) as last_date from {{ ref('fund_opening_balances') }}
    ) as dates

),

years as (

    select
        {{ financial_year_start_date(financial_year('first_date')) }} as first_month,
        {{ financial_year_end_date(financial_year('last_date')) }} as last_day
    from bounds
    where first_date is not null

),

months as (

    select {{ dbt.cast(dbt.dateadd('month', 'seq.n', 'years.first_month'), 'date') }} as month_start
    from years
    cross join {{ integer_sequence(10000) }} as seq
    where seq.n <= {{ months_between('years.first_month', 'years.last_day') }}

)

select
    month_start,
    {{ dbt.cast(dbt.last_day('month_start', 'month'), 'date') }} as month_end,
    {{ financial_year('month_start') }} as financial_year,
    {{ months_between(financial_year_start_date(financial_year('month_start')), 'month_start') }} + 1
        as financial_month_number
from months
