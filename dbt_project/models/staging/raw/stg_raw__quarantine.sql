with source as (

    select * from {{ source('raw', 'quarantine') }}

),

renamed as (

    select
        {{ dbt.cast('file_id', dbt.type_bigint()) }} as file_id,
        {{ dbt.cast('line_number', dbt.type_int()) }} as line_number,
        sheet,
        column_name,
        reason,
        raw_text
    from source

)

select * from renamed
