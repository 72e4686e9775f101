with source as (

    select * from {{ source('raw', 'grant_awards') }}

),

renamed as (

    select
        {{ dbt.cast('file_id', dbt.type_bigint()) }} as file_id,
        {{ dbt.cast('line_number', dbt.type_int()) }} as line_number,
        sheet,
        {{ dbt.cast('award_date', 'date') }} as award_date,
        {{ financial_year('award_date') }} as financial_year,
        {{ month_start('award_date') }} as month_start,
        nullif(trim(reference), '') as reference,
        trim(recipient) as recipient,
        nullif(trim(pillar), '') as pillar,
        {{ match_key('pillar') }} as pillar_match_key,
        {{ to_money('amount') }} as amount,
        nullif(trim(recipient_org_id), '') as recipient_org_id,
        nullif(trim(purpose), '') as purpose,
        nullif(trim(conditions), '') as conditions
    from source

)

select * from renamed
