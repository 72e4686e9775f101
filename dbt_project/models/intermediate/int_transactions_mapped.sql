{#-
    Ledger lines of current transactions files, mapped to funds through cost_centres.csv
    (expense_area -> fund). Lines whose expense area is not mapped go to fund UNMAPPED,
    so no pound is lost.
-#}
with transactions as (

    select * from {{ ref('stg_raw__transactions') }}

),

current_files as (

    select file_id
    from {{ ref('int_files_versioned') }}
    where is_current and feed = 'transactions'

),

cost_centres as (

    select lower(trim(expense_area)) as expense_area_key, fund_code
    from {{ ref('cost_centres') }}

),

funds as (

    select * from {{ ref('funds') }}

)

select
    transactions.file_id,
    transactions.line_number,
    transactions.sheet,
    transactions.body,
    transactions.transaction_date,
    transactions.financial_year,
    transactions.month_start,
    transactions.transaction_number,
    transactions.supplier,
    transactions.expense_type,
    transactions.expense_area,
    coalesce(cost_centres.fund_code, '{{ var("unmapped_code") }}') as fund_code,
    funds.fund_name,
    funds.funding_source_code,
    transactions.amount,
    transactions.narrative
from transactions
inner join current_files
    on current_files.file_id = transactions.file_id
left join cost_centres
    on cost_centres.expense_area_key = lower(trim(transactions.expense_area))
left join funds
    on funds.fund_code = cost_centres.fund_code
