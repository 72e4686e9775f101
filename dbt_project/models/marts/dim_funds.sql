{#- Funds with their scheme, funding source and owning body, plus the UNMAPPED member for unmapped ledger lines. -#}
with funds as (

    select * from {{ ref('funds') }}

),

funding_sources as (

    select * from {{ ref('funding_sources') }}

)

select
    funds.fund_code,
    funds.fund_name,
    funds.scheme,
    funds.funding_source_code,
    funding_sources.funding_source_name,
    funds.body_code,
    funds.ring_fenced,
    funds.ring_fence_purpose
from funds
left join funding_sources
    on funding_sources.funding_source_code = funds.funding_source_code

union all

select
    '{{ var("unmapped_code") }}',
    'Unmapped: expense area not in cost_centres.csv',
    {{ dbt.cast('null', dbt.type_string()) }},
    '{{ var("unmapped_code") }}',
    'Unmapped: expense area not in cost_centres.csv',
    {{ dbt.cast('null', dbt.type_string()) }},
    false,
    {{ dbt.cast('null', dbt.type_string()) }}
