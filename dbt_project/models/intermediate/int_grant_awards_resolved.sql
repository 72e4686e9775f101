{#- Community Grant Scheme awards from current grant_awards files, with the pillar (optional) resolved. -#}
with awards as (

    select * from {{ ref('stg_raw__grant_awards') }} as awards
    where {{ not_set_aside('awards') }}

),

current_files as (

    select file_id
    from {{ ref('int_files_versioned') }}
    where is_current and feed = 'grant_awards'

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
    awards.pillar,
    {{ resolve_pillar_code('awards.pillar_match_key', 'awards.award_date') }} as pillar_code,
    awards.amount,
    awards.recipient_org_id,
    awards.purpose,
    awards.conditions
from awards
inner join current_files
    on current_files.file_id = awards.file_id
