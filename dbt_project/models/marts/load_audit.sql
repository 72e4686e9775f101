{#-
    One row per file received, with its derived status: 'superseded' for a loaded file that a later
    loaded file of the same feed and name replaced; 'set_aside' for a budgets file held back whole for a
    reference gap; otherwise the status ingestion recorded. Lines the build set aside for a reference gap
    (int_lines_set_aside) move from loaded to quarantined, so rows_received = rows_loaded + rows_quarantined holds.
-#}
with set_aside as (

    select
        file_id,
        {{ dbt.cast('count(*)', dbt.type_int()) }} as lines,
        sum(amount) as amount,
        -- the line's own gap, not the 'set aside with its file' of its neighbours
        min(case when column_name is not null then reason end) as first_reason
    from {{ ref('int_lines_set_aside') }}
    group by file_id

),

files as (

    select * from {{ ref('int_files_versioned') }}

)

select
    files.file_id,
    files.feed,
    files.file_name,
    files.sha256,
    files.received_at,
    files.rows_received,
    files.rows_loaded - coalesce(set_aside.lines, 0) as rows_loaded,
    files.rows_quarantined + coalesce(set_aside.lines, 0) as rows_quarantined,
    files.control_total,
    case
        when set_aside.file_id is null then files.loaded_amount
        else {{ to_money('files.loaded_amount - coalesce(set_aside.amount, 0)') }}
    end as loaded_amount,
    case
        when set_aside.file_id is not null and files.feed = 'budgets' then 'set_aside'
        else files.status
    end as status,
    case
        when set_aside.file_id is null then files.message
        when files.feed = 'budgets'
            then 'set aside whole until the reference data has what it names: '
                || set_aside.first_reason
        else {{ dbt.cast('set_aside.lines', dbt.type_string()) }}
            || ' line(s) set aside for reference data gaps: see marts.quarantined_rows'
    end as message
from files
left join set_aside
    on set_aside.file_id = files.file_id
