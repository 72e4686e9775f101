{#-
    The current commitments register: lines of current commitments files, one row per commitment_id
    (when a commitment appears in more than one current file, the latest file's line wins), with fund
    and main pillar resolved to reference codes.
-#}
with commitments as (

    select * from {{ ref('stg_raw__commitments') }} as commitments
    where {{ not_set_aside('commitments') }}

),

current_files as (

    select file_id
    from {{ ref('int_files_versioned') }}
    where is_current and feed = 'commitments'

),

latest_file_per_commitment as (

    select commitments.commitment_id, max(commitments.file_id) as file_id
    from commitments
    inner join current_files
        on current_files.file_id = commitments.file_id
    group by commitments.commitment_id

),

register as (

    select commitments.*
    from commitments
    inner join latest_file_per_commitment as latest
        on latest.commitment_id = commitments.commitment_id
        and latest.file_id = commitments.file_id

),

resolved as (

    select
        register.*,
        {{ resolve_fund_code('register.fund_match_key') }} as fund_code,
        {{ resolve_pillar_code('register.pillar_match_key', 'register.start_date') }} as pillar_code
    from register

),

funds as (

    select * from {{ ref('funds') }}

),

pillars as (

    select * from {{ ref('pillars') }}

)

select
    resolved.file_id,
    resolved.line_number,
    resolved.sheet,
    resolved.commitment_id,
    resolved.title,
    resolved.provider,
    resolved.commitment_type,
    resolved.fund,
    resolved.fund_code,
    funds.fund_name,
    funds.funding_source_code,
    funds.body_code,
    resolved.pillar,
    resolved.pillar_code,
    pillars.pillar_name,
    resolved.start_date,
    resolved.end_date,
    resolved.annual_value,
    resolved.contract_url,
    resolved.conditions
from resolved
left join funds
    on funds.fund_code = resolved.fund_code
left join pillars
    on pillars.pillar_code = resolved.pillar_code
