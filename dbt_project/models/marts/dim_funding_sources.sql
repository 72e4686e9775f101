{#- Funding sources, plus the UNMAPPED member that ledger lines with an unmapped expense area roll up to. -#}
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
    '{{ var("unmapped_code") }}',
    'Unmapped: expense area not in cost_centres.csv',
    false,
    {{ dbt.cast('null', dbt.type_string()) }},
    {{ dbt.cast('null', dbt.type_string()) }}
