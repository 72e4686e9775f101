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
    '{{ var("unmapped_code") }}' as fund_code,
    'Unmapped: no mapping rule matches' as fund_name,
    {{ dbt.cast('null', dbt.type_string()) }} as scheme,
    '{{ var("unmapped_code") }}' as funding_source_code,
    'Unmapped: no mapping rule matches' as funding_source_name,
    {{ dbt.cast('null', dbt.type_string()) }} as body_code,
    false as ring_fenced,
    {{ dbt.cast('null', dbt.type_string()) }} as ring_fence_purpose
