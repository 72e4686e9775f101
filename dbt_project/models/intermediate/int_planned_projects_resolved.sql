{#-
    Planned projects of current planned_projects files, one row per project and financial year
    (the latest current file wins), with fund and main pillar resolved to reference codes.
-#}
with planned_projects as (

    select * from {{ ref('stg_raw__planned_projects') }} as planned_projects
    where {{ not_set_aside('planned_projects') }}

),

current_files as (

    select file_id
    from {{ ref('int_files_versioned') }}
    where is_current and feed = 'planned_projects'

),

latest_file_per_project as (

    select planned_projects.project_id, planned_projects.financial_year, max(planned_projects.file_id) as file_id
    from planned_projects
    inner join current_files
        on current_files.file_id = planned_projects.file_id
    group by planned_projects.project_id, planned_projects.financial_year

),

plan as (

    select planned_projects.*
    from planned_projects
    inner join latest_file_per_project as latest
        on latest.project_id = planned_projects.project_id
        and latest.financial_year = planned_projects.financial_year
        and latest.file_id = planned_projects.file_id

),

resolved as (

    select
        plan.*,
        {{ resolve_fund_code('plan.fund_match_key') }} as fund_code,
        {{ resolve_pillar_code('plan.pillar_match_key', financial_year_start_date('plan.financial_year')) }}
            as pillar_code
    from plan

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
    resolved.project_id,
    resolved.title,
    resolved.provider,
    resolved.fund,
    resolved.fund_code,
    funds.fund_name,
    funds.funding_source_code,
    funds.body_code,
    resolved.pillar,
    resolved.pillar_code,
    pillars.pillar_name,
    resolved.financial_year,
    resolved.anticipated_spend,
    resolved.status
from resolved
left join funds
    on funds.fund_code = resolved.fund_code
left join pillars
    on pillars.pillar_code = resolved.pillar_code
