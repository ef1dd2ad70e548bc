-- One row per loaded report. Only what the document's content determines: when its file was seen or
-- extracted is run history and stays in audit.file_ledger, so two runs over the same input give the same rows.
with

reports as (

    select * from {{ ref('int_reports_filtered_to_loaded') }}

),

-- Where each downloaded file came from. The same bytes may be listed under several links (one file on
-- two authorities' pages): the first seen is kept, so a report stays one row.
downloads as (

    select
        source_sha256,
        source_url

    from {{ ref('stg_audit__source_catalogue') }}
    where catalogue_status = 'downloaded' and source_sha256 is not null
    qualify row_number() over (partition by source_sha256 order by first_seen_at, source_url) = 1

),

final as (

    select
        cast(reports.report_id as varchar) as report_id,
        cast(reports.source_file as varchar) as source_file,
        cast(reports.source_sha256 as varchar) as source_sha256,
        cast(reports.report_type as varchar) as report_type,
        cast(reports.local_authority_id as varchar) as local_authority_id,
        cast(reports.page_count as integer) as page_count,
        cast(reports.publication_date as date) as publication_date,
        cast(reports.part_number as integer) as part_number,
        cast(reports.report_title as varchar) as report_title,
        cast(reports.local_authority_as_written as varchar) as local_authority_as_written,
        cast(reports.parser_version as varchar) as parser_version,
        cast(downloads.source_url as varchar) as source_url

    from reports
    left join downloads on reports.source_sha256 = downloads.source_sha256

)

select * from final
