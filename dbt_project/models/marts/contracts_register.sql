{#-
    The contracts register (SI 2011/3050 para 4): every contractual commitment (contract, grant agreement,
    partnership funding agreement) once, with its parties, purpose, term, whole-term value and the section it is
    published in: each contract over the threshold individually (with a link to the document where the extract
    gives one), those at or below it as a list. The whole-term value is the sum of its values by financial year,
    so the register reconciles to marts.commitments to the penny.
-#}
with commitments as (

    select * from {{ ref('int_commitments_resolved') }}

),

values_by_year as (

    select
        commitment_id,
        sum(value) as contract_value,
        sum(months_in_year) as contract_months
    from {{ ref('int_commitments_spread_by_year') }}
    group by commitment_id

),

bodies as (

    select * from {{ ref('dim_bodies') }}

),

valued as (

    select
        commitments.*,
        bodies.body_name,
        coalesce(values_by_year.contract_value, 0) as contract_value,
        coalesce(values_by_year.contract_months, 0) as contract_months
    from commitments
    left join values_by_year
        on values_by_year.commitment_id = commitments.commitment_id
    left join bodies
        on bodies.body_code = commitments.body_code

)

select
    commitment_id,
    title,
    provider,
    commitment_type,
    body_code,
    body_name,
    fund_code,
    fund_name,
    funding_source_code,
    pillar_code,
    pillar_name,
    start_date,
    end_date,
    {{ to_money('annual_value') }} as annual_value,
    {{ dbt.cast('contract_months', dbt.type_int()) }} as contract_months,
    {{ to_money('contract_value') }} as contract_value,
    contract_value > {{ var('contracts_listed_threshold') }} as over_threshold,
    case
        when contract_value > {{ var('contracts_listed_threshold') }}
            then 'Contract over £{{ "{:,}".format(var("contracts_listed_threshold") | int) }}'
        else 'Contract of £{{ "{:,}".format(var("contracts_listed_threshold") | int) }} or less'
    end as register_section,
    contract_url,
    conditions
from valued
