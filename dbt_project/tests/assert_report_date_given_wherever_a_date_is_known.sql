{{ config(meta={'dagster': {'ref': {'name': 'dim_reports'}}}) }}
-- Every loaded report that states a date of its own (an inspection's or visit's last day, a letter's date,
-- a publication date), or whose file Ofsted's listing dates, has a report_date. Reads the dates from the
-- staging views, not through int_report_dates, so a join lost there fails here. Returns the reports that
-- break it.
with

reports as (

    select * from {{ ref('stg_extracted__reports') }}

),

stated as (

    select reports.report_id
    from reports
    left join {{ ref('stg_extracted__visits') }} as visits
        on reports.report_id = visits.report_id
    left join {{ ref('stg_extracted__date_windows') }} as date_windows
        on reports.report_id = date_windows.report_id
    where
        reports.inspection_end_date is not null
        or reports.publication_date is not null
        or visits.letter_date is not null
        or visits.visit_end_date is not null
        or date_windows.window_end_date is not null

    union

    select reports.report_id
    from reports
    inner join {{ ref('stg_audit__source_catalogue') }} as catalogue
        on
            reports.source_sha256 = catalogue.source_sha256
            or reports.source_file = catalogue.source_file
    where catalogue.publication_date is not null

)

select
    dim_reports.report_id,
    dim_reports.source_file

from {{ ref('dim_reports') }} as dim_reports
inner join stated
    on dim_reports.report_id = stated.report_id
where dim_reports.report_date is null
