with source as (

    select * from {{ source('raw', 'budgets') }}

),

renamed as (

    select
        {{ dbt.cast('file_id', dbt.type_bigint()) }} as file_id,
        {{ dbt.cast('line_number', dbt.type_int()) }} as line_number,
        sheet,
        trim(financial_year) as financial_year,
        trim(funding_source) as funding_source,
        {{ match_key('funding_source') }} as funding_source_match_key,
        nullif(trim(fund), '') as fund,
        {{ match_key('fund') }} as fund_match_key,
        nullif(trim(cost_centre), '') as cost_centre,
        nullif(trim(description), '') as description,
        {{ to_money('amount') }} as amount,
        -- 'Virement', 'carry-forward', 'Carry Forward' ... are one change type; empty is the original budget
        case coalesce({{ match_key('budget_change') }}, 'original')
            when 'carryforward' then 'carry_forward'
            else coalesce({{ match_key('budget_change') }}, 'original')
        end as budget_change,
        change_date,
        nullif(trim(decision_reference), '') as decision_reference
    from source

)

select * from renamed
