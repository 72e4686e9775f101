{#-
    Lines of current files set aside because they name a fund, pillar or funding source the reference data does
    not have (a reference gap). They are left out of every intermediate model, listed in marts.quarantined_rows
    with the reason and counted as quarantined in marts.load_audit, so one unknown code never stops the night.
    Nothing is deleted: raw keeps the lines, and the night after the reference gains the missing row they load.

    Per feed (docs/reference-data.md): a budgets file is set aside whole, because its lines are approved together
    and reconciled to the budget controls (half a budget would misstate every fund's headroom); commitments,
    planned projects and grant awards are set aside line by line, each being its own agreement or decision.
-#}
with current_files as (

    select file_id, feed
    from {{ ref('int_files_versioned') }}
    where is_current

),

budget_lines as (

    select budgets.*
    from {{ ref('stg_raw__budgets') }} as budgets
    inner join current_files
        on current_files.file_id = budgets.file_id and current_files.feed = 'budgets'

),

-- One row per (line, gap): the unknown value as written, the reference table it is missing from.
gaps as (

    select
        'budgets' as feed, file_id, sheet, line_number, 1 as gap_order,
        'fund' as column_name, 'funds.csv' as reference_table, fund as missing_value
    from budget_lines
    where fund is not null and {{ resolve_fund_code('fund_match_key') }} is null

    union all

    -- a line set at funding-source level (no fund): its funding source must be known
    select
        'budgets' as feed, file_id, sheet, line_number, 2 as gap_order,
        'funding_source' as column_name, 'funding_sources.csv' as reference_table, funding_source as missing_value
    from budget_lines
    where fund is null and {{ resolve_funding_source_code('funding_source_match_key') }} is null

    union all

    select
        'commitments' as feed, commitments.file_id, commitments.sheet, commitments.line_number, 1 as gap_order,
        'fund' as column_name, 'funds.csv' as reference_table, commitments.fund as missing_value
    from {{ ref('stg_raw__commitments') }} as commitments
    inner join current_files
        on current_files.file_id = commitments.file_id and current_files.feed = 'commitments'
    where {{ resolve_fund_code('commitments.fund_match_key') }} is null

    union all

    select
        'commitments' as feed, commitments.file_id, commitments.sheet, commitments.line_number, 2 as gap_order,
        'pillar' as column_name, 'pillars.csv' as reference_table, commitments.pillar as missing_value
    from {{ ref('stg_raw__commitments') }} as commitments
    inner join current_files
        on current_files.file_id = commitments.file_id and current_files.feed = 'commitments'
    where {{ resolve_pillar_code('commitments.pillar_match_key', 'commitments.start_date') }} is null

    union all

    select
        'planned_projects' as feed, projects.file_id, projects.sheet, projects.line_number, 1 as gap_order,
        'fund' as column_name, 'funds.csv' as reference_table, projects.fund as missing_value
    from {{ ref('stg_raw__planned_projects') }} as projects
    inner join current_files
        on current_files.file_id = projects.file_id and current_files.feed = 'planned_projects'
    where {{ resolve_fund_code('projects.fund_match_key') }} is null

    union all

    select
        'planned_projects' as feed, projects.file_id, projects.sheet, projects.line_number, 2 as gap_order,
        'pillar' as column_name, 'pillars.csv' as reference_table, projects.pillar as missing_value
    from {{ ref('stg_raw__planned_projects') }} as projects
    inner join current_files
        on current_files.file_id = projects.file_id and current_files.feed = 'planned_projects'
    where
        {{ resolve_pillar_code('projects.pillar_match_key', financial_year_start_date('projects.financial_year')) }}
        is null

    union all

    -- an award's pillar is optional: only one given and unknown is a gap
    select
        'grant_awards' as feed, awards.file_id, awards.sheet, awards.line_number, 2 as gap_order,
        'pillar' as column_name, 'pillars.csv' as reference_table, awards.pillar as missing_value
    from {{ ref('stg_raw__grant_awards') }} as awards
    inner join current_files
        on current_files.file_id = awards.file_id and current_files.feed = 'grant_awards'
    where awards.pillar is not null
        and {{ resolve_pillar_code('awards.pillar_match_key', 'awards.award_date') }} is null

),

-- A line with more than one gap is listed once, under its first (fund before pillar or funding source).
ranked as (

    select
        gaps.*,
        row_number() over (
            partition by gaps.file_id, gaps.sheet, gaps.line_number order by gaps.gap_order
        ) as gap_rank
    from gaps

),

line_gaps as (

    select
        feed,
        file_id,
        sheet,
        line_number,
        column_name,
        reference_table,
        missing_value,
        replace(column_name, '_', ' ') || ' ''' || coalesce(missing_value, '') || ''' is not in the reference data''s '
        || reference_table || ': add it there, or correct the line' as reason
    from ranked
    where gap_rank = 1

),

-- The first gap of each budgets file: the reason every other line of the file is set aside with it.
budget_file_gaps as (

    select
        file_id,
        reference_table,
        missing_value,
        'set aside with its file until line ' || {{ dbt.cast('line_number', dbt.type_string()) }} || ' can load: '
        || reason as reason,
        row_number() over (partition by file_id order by sheet, line_number) as file_rank
    from line_gaps
    where feed = 'budgets'

),

set_aside as (

    select feed, file_id, sheet, line_number, column_name, reference_table, missing_value, reason
    from line_gaps

    union all

    select
        'budgets' as feed,
        budget_lines.file_id,
        budget_lines.sheet,
        budget_lines.line_number,
        {{ dbt.cast('null', dbt.type_string()) }} as column_name,
        budget_file_gaps.reference_table,
        budget_file_gaps.missing_value,
        budget_file_gaps.reason
    from budget_lines
    inner join budget_file_gaps
        on budget_file_gaps.file_id = budget_lines.file_id and budget_file_gaps.file_rank = 1
    where not exists (
            select 1 from line_gaps
            where line_gaps.file_id = budget_lines.file_id
                and line_gaps.line_number = budget_lines.line_number
                and coalesce(line_gaps.sheet, '') = coalesce(budget_lines.sheet, '')
        )

),

-- Each line's main money column (the feed contract's amount_column) and its staged columns in the file's order
-- (empty ones kept, so positions hold), for load_audit and the report.
lines as (

    select
        'budgets' as feed, file_id, sheet, line_number, amount,
        concat_ws(
            ',', financial_year, funding_source, coalesce(fund, ''), coalesce(cost_centre, ''),
            coalesce(description, ''), {{ dbt.cast('amount', dbt.type_string()) }}
        ) as raw_text
    from {{ ref('stg_raw__budgets') }}

    union all

    select
        'commitments' as feed, file_id, sheet, line_number, annual_value as amount,
        concat_ws(
            ',', commitment_id, title, provider, coalesce(fund, ''), coalesce(pillar, ''),
            {{ dbt.cast('start_date', dbt.type_string()) }},
            {{ dbt.cast('end_date', dbt.type_string()) }}, {{ dbt.cast('annual_value', dbt.type_string()) }}
        ) as raw_text
    from {{ ref('stg_raw__commitments') }}

    union all

    select
        'planned_projects' as feed, file_id, sheet, line_number, anticipated_spend as amount,
        concat_ws(
            ',', project_id, title, coalesce(provider, ''), coalesce(fund, ''), coalesce(pillar, ''), financial_year,
            {{ dbt.cast('anticipated_spend', dbt.type_string()) }}
        ) as raw_text
    from {{ ref('stg_raw__planned_projects') }}

    union all

    select
        'grant_awards' as feed, file_id, sheet, line_number, amount,
        concat_ws(
            ',', {{ dbt.cast('award_date', dbt.type_string()) }}, coalesce(reference, ''), recipient,
            coalesce(pillar, ''),
            {{ dbt.cast('amount', dbt.type_string()) }}
        ) as raw_text
    from {{ ref('stg_raw__grant_awards') }}

)

select
    set_aside.feed,
    set_aside.file_id,
    set_aside.sheet,
    set_aside.line_number,
    set_aside.column_name,
    set_aside.reference_table,
    set_aside.missing_value,
    set_aside.reason,
    lines.amount,
    lines.raw_text
from set_aside
inner join lines
    on lines.feed = set_aside.feed
    and lines.file_id = set_aside.file_id
    and lines.line_number = set_aside.line_number
    and coalesce(lines.sheet, '') = coalesce(set_aside.sheet, '')
