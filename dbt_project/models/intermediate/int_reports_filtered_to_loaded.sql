-- The one place that decides which extracted rows reach the marts: a report flows on only while its file
-- (by content hash) has an audit.file_ledger row with status 'loaded' that is still present under RAW_DIR
-- (or 'unreadable' with the report id of what was last read from it: permissions are not a withdrawal).
-- Rows left in `extracted` by files since quarantined, superseded or removed stop here. Every mart joins
-- to this model (directly or through another mart), so child rows (judgements, recommendations, visits)
-- are filtered by the same rule.
with

reports as (

    select * from {{ ref('stg_extracted__reports') }}

),

file_ledger as (

    select * from {{ ref('stg_audit__file_ledger') }}

),

loaded_files as (

    -- distinct so that a hash listed twice (e.g. the same bytes at two paths) cannot fan out reports
    select distinct source_sha256

    from file_ledger
    where
        is_present
        and (
            file_status = 'loaded'
            -- a file that cannot be read now stays published as it was last read
            or (file_status = 'unreadable' and report_id is not null)
        )

),

filtered as (

    select reports.*

    from reports
    inner join loaded_files
        on reports.source_sha256 = loaded_files.source_sha256

)

select * from filtered
