{#-
    Every current Community Grant Scheme award, one row per award line: what the transparency publications
    (grants made, 360Giving) publish. The recipient's org-id is the extract's, else the one reference.payees gives.
-#}
with awards as (

    select * from {{ ref('int_grant_awards_resolved') }}

),

payees as (

    select lower(trim(payee_name)) as payee_key, nullif(trim(org_id), '') as org_id
    from {{ ref('payees') }}

)

select
    awards.file_id,
    awards.line_number,
    awards.sheet,
    awards.award_date,
    awards.financial_year,
    awards.month_start,
    awards.reference,
    awards.recipient,
    coalesce(awards.recipient_org_id, payees.org_id) as recipient_org_id,
    awards.pillar_code,
    awards.purpose,
    awards.conditions,
    awards.amount
from awards
left join payees
    on payees.payee_key = lower(trim(awards.recipient))
