with source as (

    select * from {{ source('raw', 'files') }}

),

renamed as (

    select
        {{ dbt.cast('file_id', dbt.type_bigint()) }} as file_id,
        lower(trim(feed)) as feed,
        file_name,
        sha256,
        {{ dbt.cast('received_at', dbt.type_timestamp()) }} as received_at,
        {{ dbt.cast('rows_received', dbt.type_int()) }} as rows_received,
        {{ dbt.cast('rows_loaded', dbt.type_int()) }} as rows_loaded,
        {{ dbt.cast('rows_quarantined', dbt.type_int()) }} as rows_quarantined,
        {{ to_money('control_total') }} as control_total,
        {{ to_money('loaded_amount') }} as loaded_amount,
        lower(trim(status)) as status,
        message
    from source

)

select * from renamed
