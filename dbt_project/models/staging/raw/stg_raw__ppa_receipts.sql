with source as (

    select * from {{ source('raw', 'ppa_receipts') }}

),

renamed as (

    select
        {{ dbt.cast('file_id', dbt.type_bigint()) }} as file_id,
        {{ dbt.cast('line_number', dbt.type_int()) }} as line_number,
        sheet,
        {{ dbt.cast('receipt_date', 'date') }} as receipt_date,
        {{ financial_year('receipt_date') }} as financial_year,
        {{ month_start('receipt_date') }} as month_start,
        nullif(trim(reference), '') as reference,
        nullif(trim(description), '') as description,
        {{ to_money('gross_amount') }} as gross_amount,
        {{ to_money('sale_costs') }} as sale_costs,
        {{ to_money('net_amount') }} as net_amount
    from source

)

select * from renamed
