with source as (

    select * from {{ source('raw', 'transactions') }}

),

renamed as (

    select
        {{ dbt.cast('file_id', dbt.type_bigint()) }} as file_id,
        {{ dbt.cast('line_number', dbt.type_int()) }} as line_number,
        sheet,
        nullif(trim(body), '') as body,
        {{ dbt.cast('transaction_date', 'date') }} as transaction_date,
        {{ financial_year('transaction_date') }} as financial_year,
        {{ month_start('transaction_date') }} as month_start,
        nullif(trim(transaction_number), '') as transaction_number,
        trim(supplier) as supplier,
        nullif(trim(expense_type), '') as expense_type,
        nullif(trim(expense_area), '') as expense_area,
        {{ to_money('amount') }} as amount,
        nullif(trim(narrative), '') as narrative,
        -- the file's columns the contract does not know (a JSON object by header): mapping rules may use them
        nullif(extras, '') as extras
    from source

)

select * from renamed
