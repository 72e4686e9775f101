{#- Funding sources, plus the UNMAPPED member that ledger lines no mapping rule matches roll up to. -#}
with funding_sources as (

    select * from {{ ref('funding_sources') }}

)

select
    funding_source_code,
    funding_source_name,
    ring_fenced,
    ring_fence_purpose,
    grantor
from funding_sources

union all

select
    '{{ var("unmapped_code") }}' as funding_source_code,
    'Unmapped: no mapping rule matches' as funding_source_name,
    false as ring_fenced,
    {{ dbt.cast('null', dbt.type_string()) }} as ring_fence_purpose,
    {{ dbt.cast('null', dbt.type_string()) }} as grantor
