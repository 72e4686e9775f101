with source as (

    select * from {{ source('raw', 'commitments') }}

),

renamed as (

    select
        {{ dbt.cast('file_id', dbt.type_bigint()) }} as file_id,
        {{ dbt.cast('line_number', dbt.type_int()) }} as line_number,
        sheet,
        trim(commitment_id) as commitment_id,
        trim(title) as title,
        trim(provider) as provider,
        nullif(trim(commitment_type), '') as commitment_type,
        trim(fund) as fund,
        {{ match_key('fund') }} as fund_match_key,
        trim(pillar) as pillar,
        {{ match_key('pillar') }} as pillar_match_key,
        {{ dbt.cast('start_date', 'date') }} as start_date,
        {{ dbt.cast('end_date', 'date') }} as end_date,
        {{ to_money('annual_value') }} as annual_value,
        nullif(trim(contract_url), '') as contract_url,
        nullif(trim(conditions), '') as conditions
    from source

)

select * from renamed
