{#- Every way a fund may be written in an extract (its code or its name), normalised by match_key. -#}
with funds as (

    select * from {{ ref('funds') }}

),

aliases as (

    select {{ match_key('fund_code') }} as match_key, fund_code from funds
    union
    select {{ match_key('fund_name') }} as match_key, fund_code from funds

)

select match_key, fund_code
from aliases
where match_key is not null
