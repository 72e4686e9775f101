{#-
    Supersession (derived, never stored in raw): a loaded file is superseded by a later loaded file
    (higher file_id) of the same feed and file name, i.e. a corrected file re-sent under the same name.
    Only lines of current files (loaded and not superseded) count anywhere downstream.
-#}
with files as (

    select * from {{ ref('stg_raw__files') }}

),

loaded as (

    select file_id, feed, file_name
    from files
    where status = 'loaded'

),

superseded as (

    select
        earlier.file_id,
        min(later.file_id) as superseded_by_file_id
    from loaded as earlier
    inner join loaded as later
        on later.feed = earlier.feed
        and later.file_name = earlier.file_name
        and later.file_id > earlier.file_id
    group by earlier.file_id

)

select
    files.file_id,
    files.feed,
    files.file_name,
    files.sha256,
    files.received_at,
    files.rows_received,
    files.rows_loaded,
    files.rows_quarantined,
    files.control_total,
    files.loaded_amount,
    files.status as ingest_status,
    case
        when superseded.superseded_by_file_id is not null then 'superseded'
        else files.status
    end as status,
    superseded.superseded_by_file_id,
    (files.status = 'loaded' and superseded.superseded_by_file_id is null) as is_current,
    files.message
from files
left join superseded
    on superseded.file_id = files.file_id
