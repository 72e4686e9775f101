{#- Police and Crime Plan pillars with their validity (a new plan brings new pillars). -#}
select
    pillar_code,
    pillar_name,
    plan_name,
    valid_from,
    valid_to
from {{ ref('pillars') }}
