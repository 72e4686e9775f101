{#-
    Commitments and planned projects by financial year: one row per commitment per financial year it
    covers (value spread by months) and one row per planned project in its own financial year.
-#}
with committed as (

    select * from {{ ref('int_commitments_spread_by_year') }}

),

planned as (

    select * from {{ ref('int_planned_projects_resolved') }}

),

unioned as (

    select
        financial_year,
        'commitment:' || commitment_id as commitment_key,
        commitment_id,
        title,
        provider,
        commitment_type,
        fund_code,
        fund_name,
        funding_source_code,
        pillar_code,
        pillar_name,
        'committed' as status,
        start_date,
        end_date,
        annual_value,
        months_in_year,
        value,
        months_to_expiry,
        recommissioning_due
    from committed

    union all

    select
        financial_year,
        'planned:' || project_id as commitment_key,
        project_id as commitment_id,
        title,
        provider,
        {{ dbt.cast("'Planned project'", dbt.type_string()) }} as commitment_type,
        fund_code,
        fund_name,
        funding_source_code,
        pillar_code,
        pillar_name,
        'planned' as status,
        -- a planned project has no contract dates: it counts in its own financial year
        {{ dbt.cast('null', 'date') }} as start_date,
        {{ dbt.cast('null', 'date') }} as end_date,
        anticipated_spend as annual_value,
        12 as months_in_year,
        anticipated_spend as value,
        {{ dbt.cast('null', dbt.type_int()) }} as months_to_expiry,
        false as recommissioning_due
    from planned

)

select
    financial_year,
    commitment_key,
    commitment_id,
    title,
    provider,
    commitment_type,
    fund_code,
    fund_name,
    funding_source_code,
    pillar_code,
    pillar_name,
    status,
    start_date,
    end_date,
    {{ to_money('annual_value') }} as annual_value,
    {{ dbt.cast('months_in_year', dbt.type_int()) }} as months_in_year,
    {{ to_money('value') }} as value,
    {{ dbt.cast('months_to_expiry', dbt.type_int()) }} as months_to_expiry,
    recommissioning_due
from unioned
