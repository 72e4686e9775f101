{#- Police (Property) Act receipts from current ppa_receipts files. -#}
with receipts as (

    select * from {{ ref('stg_raw__ppa_receipts') }}

),

current_files as (

    select file_id
    from {{ ref('int_files_versioned') }}
    where is_current and feed = 'ppa_receipts'

)

select receipts.*
from receipts
inner join current_files
    on current_files.file_id = receipts.file_id
