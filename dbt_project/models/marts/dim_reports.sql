-- One row per loaded report. Only what the document's content determines: when its file was seen or
-- extracted is run history and stays in audit.file_ledger, so two runs over the same input give the same rows.
with

reports as (

    select * from {{ ref('int_reports_filtered_to_loaded') }}

),

final as (

    select
        cast(report_id as varchar) as report_id,
        cast(source_file as varchar) as source_file,
        cast(source_sha256 as varchar) as source_sha256,
        cast(report_type as varchar) as report_type,
        cast(local_authority_id as varchar) as local_authority_id,
        cast(page_count as integer) as page_count,
        cast(publication_date as date) as publication_date,
        cast(part_number as integer) as part_number,
        cast(report_title as varchar) as report_title,
        cast(local_authority_as_written as varchar) as local_authority_as_written,
        cast(parser_version as varchar) as parser_version

    from reports

)

select * from final
