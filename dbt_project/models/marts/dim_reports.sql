-- One row per loaded report. Only what the document's content determines: when its file was seen or
-- extracted is run history and stays in audit.file_ledger, so two runs over the same input give the same rows.
with

reports as (

    select * from {{ ref('int_reports_filtered_to_loaded') }}

),

-- The report's dates, and its address on Ofsted's site where the listing (audit.source_catalogue) knows
-- the file: see int_report_dates.
report_dates as (

    select * from {{ ref('int_report_dates') }}

),

final as (

    select
        cast(reports.report_id as varchar) as report_id,
        cast(reports.source_file as varchar) as source_file,
        cast(reports.source_sha256 as varchar) as source_sha256,
        cast(reports.report_type as varchar) as report_type,
        cast(reports.local_authority_id as varchar) as local_authority_id,
        cast(reports.page_count as integer) as page_count,
        cast(report_dates.publication_date as date) as publication_date,
        cast(reports.part_number as integer) as part_number,
        cast(reports.report_title as varchar) as report_title,
        cast(reports.local_authority_as_written as varchar) as local_authority_as_written,
        cast(reports.parser_version as varchar) as parser_version,
        cast(report_dates.source_url as varchar) as source_url,
        cast(report_dates.publication_date_source as varchar) as publication_date_source,
        cast(report_dates.report_date as date) as report_date,
        cast(report_dates.report_date_source as varchar) as report_date_source

    from reports
    left join report_dates on reports.report_id = report_dates.report_id

)

select * from final
