-- For every financial year, the actuals in budget_vs_actual (and in spend_transactions and fund_position)
-- equal the current loaded ledger lines in raw to the penny, unmapped lines included.
with ledger as (

    select stg.financial_year, sum(stg.amount) as amount
    from {{ ref('stg_raw__transactions') }} as stg
    inner join {{ ref('int_files_versioned') }} as files
        on files.file_id = stg.file_id
    where files.is_current and files.feed = 'transactions'
    group by stg.financial_year

),

budget_vs_actual as (

    select financial_year, sum(actual) as amount from {{ ref('budget_vs_actual') }} group by financial_year

),

spend_transactions as (

    select financial_year, sum(amount) as amount from {{ ref('spend_transactions') }} group by financial_year

),

fund_position as (

    select financial_year, sum(actual) as amount from {{ ref('fund_position') }} group by financial_year

),

funding_source_position as (

    select financial_year, sum(actual) as amount from {{ ref('funding_source_position') }} group by financial_year

),

years as (

    select financial_year from ledger
    union select financial_year from budget_vs_actual
    union select financial_year from spend_transactions
    union select financial_year from fund_position
    union select financial_year from funding_source_position

)

select
    years.financial_year,
    ledger.amount as ledger,
    budget_vs_actual.amount as budget_vs_actual,
    spend_transactions.amount as spend_transactions,
    fund_position.amount as fund_position,
    funding_source_position.amount as funding_source_position
from years
left join ledger on ledger.financial_year = years.financial_year
left join budget_vs_actual on budget_vs_actual.financial_year = years.financial_year
left join spend_transactions on spend_transactions.financial_year = years.financial_year
left join fund_position on fund_position.financial_year = years.financial_year
left join funding_source_position on funding_source_position.financial_year = years.financial_year
where coalesce(ledger.amount, 0) <> coalesce(budget_vs_actual.amount, 0)
   or coalesce(ledger.amount, 0) <> coalesce(spend_transactions.amount, 0)
   or coalesce(ledger.amount, 0) <> coalesce(fund_position.amount, 0)
   or coalesce(ledger.amount, 0) <> coalesce(funding_source_position.amount, 0)
