{#- Bodies that own funds (the owning body is data: PCC, Mayor or Policing Board). -#}
select
    body_code,
    body_name,
    body_type,
    area,
    valid_from,
    valid_to
from {{ ref('bodies') }}
