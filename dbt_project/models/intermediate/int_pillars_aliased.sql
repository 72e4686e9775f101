{#-
    Every way a pillar may be written in an extract (its code or its name), normalised by match_key,
    with the pillar's validity: the same name may recur in a later Police and Crime Plan under a new code.
-#}
with pillars as (

    select * from {{ ref('pillars') }}

),

aliases as (

    select {{ match_key('pillar_code') }} as match_key, pillar_code, valid_from, valid_to from pillars
    union
    select {{ match_key('pillar_name') }} as match_key, pillar_code, valid_from, valid_to from pillars

)

select match_key, pillar_code, valid_from, valid_to
from aliases
where match_key is not null
