{#- Providers, suppliers and grant recipients by name, with the roles each has been seen in. -#}
with names as (

    select provider as provider_name, 'commitment' as role from {{ ref('int_commitments_resolved') }}
    union all
    select provider as provider_name, 'planned' as role from {{ ref('int_planned_projects_resolved') }}
    union all
    select supplier as provider_name, 'supplier' as role from {{ ref('spend_transactions') }}
    union all
    select recipient as provider_name, 'grant' as role from {{ ref('int_grant_awards_resolved') }}

)

select
    provider_name,
    max(case when role = 'commitment' then 1 else 0 end) = 1 as is_commitment_provider,
    max(case when role = 'planned' then 1 else 0 end) = 1 as is_planned_provider,
    max(case when role = 'supplier' then 1 else 0 end) = 1 as is_supplier,
    max(case when role = 'grant' then 1 else 0 end) = 1 as is_grant_recipient
from names
where provider_name is not null
group by provider_name
