{#- Every quarantined line with the file it came from and the reason. -#}
select
    quarantine.file_id,
    files.feed,
    files.file_name,
    quarantine.line_number,
    quarantine.sheet,
    quarantine.column_name,
    quarantine.reason,
    quarantine.raw_text
from {{ ref('stg_raw__quarantine') }} as quarantine
left join {{ ref('stg_raw__files') }} as files
    on files.file_id = quarantine.file_id
