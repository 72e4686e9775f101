{#-
    One row per file received, with its derived status: 'superseded' for a loaded file that a later
    loaded file of the same feed and name replaced; otherwise the status ingestion recorded.
-#}
select
    file_id,
    feed,
    file_name,
    sha256,
    received_at,
    rows_received,
    rows_loaded,
    rows_quarantined,
    control_total,
    loaded_amount,
    status,
    message
from {{ ref('int_files_versioned') }}
