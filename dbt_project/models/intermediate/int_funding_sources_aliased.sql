{#- Every way a funding source may be written in an extract (its code or its name), normalised by match_key. -#}
with funding_sources as (

    select * from {{ ref('funding_sources') }}

),

aliases as (

    select {{ match_key('funding_source_code') }} as match_key, funding_source_code from funding_sources
    union
    select {{ match_key('funding_source_name') }} as match_key, funding_source_code from funding_sources

)

select match_key, funding_source_code
from aliases
where match_key is not null
