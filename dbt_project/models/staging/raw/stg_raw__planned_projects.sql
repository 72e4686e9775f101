with source as (

    select * from {{ source('raw', 'planned_projects') }}

),

renamed as (

    select
        {{ dbt.cast('file_id', dbt.type_bigint()) }} as file_id,
        {{ dbt.cast('line_number', dbt.type_int()) }} as line_number,
        sheet,
        trim(project_id) as project_id,
        trim(title) as title,
        nullif(trim(provider), '') as provider,
        trim(fund) as fund,
        {{ match_key('fund') }} as fund_match_key,
        trim(pillar) as pillar,
        {{ match_key('pillar') }} as pillar_match_key,
        trim(financial_year) as financial_year,
        {{ to_money('anticipated_spend') }} as anticipated_spend,
        nullif(trim(status), '') as status
    from source

)

select * from renamed
