{#-
    Every quarantined line with the file it came from and the reason: lines ingestion could not load, and lines
    set aside by the build because they name a fund, pillar or funding source the reference data lacks
    (int_lines_set_aside; reference_gap says which reference row is missing).
-#}
select
    quarantine.file_id,
    files.feed,
    files.file_name,
    quarantine.line_number,
    quarantine.sheet,
    quarantine.column_name,
    quarantine.reason,
    quarantine.raw_text,
    {{ dbt.cast('null', dbt.type_string()) }} as reference_gap
from {{ ref('stg_raw__quarantine') }} as quarantine
left join {{ ref('stg_raw__files') }} as files
    on files.file_id = quarantine.file_id

union all

select
    set_aside.file_id,
    set_aside.feed,
    files.file_name,
    set_aside.line_number,
    set_aside.sheet,
    set_aside.column_name,
    set_aside.reason,
    set_aside.raw_text,
    set_aside.reference_table || ': ' || coalesce(set_aside.missing_value, '') as reference_gap
from {{ ref('int_lines_set_aside') }} as set_aside
left join {{ ref('stg_raw__files') }} as files
    on files.file_id = set_aside.file_id
