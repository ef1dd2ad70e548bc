-- One row per loaded report of a graded type (see var graded_report_types in dbt_project.yml).
with

reports as (

    select * from {{ ref('int_reports_filtered_to_loaded') }}
    where report_type in {{ sql_in_list(var('graded_report_types')) }}

),

date_windows as (

    select
        report_id,
        min(window_start_date) as first_window_start_date,
        max(window_end_date) as last_window_end_date

    from {{ ref('stg_extracted__date_windows') }}
    group by report_id

),

report_dates as (

    select * from {{ ref('int_report_dates') }}

),

overall_judgements as (

    select
        report_id,
        grade,
        grade_rank

    from {{ ref('int_judgements_normalised') }}
    where judgement_area = 'overall_effectiveness'

),

final as (

    select
        cast(reports.report_id as varchar) as inspection_id,
        cast(reports.report_id as varchar) as report_id,
        cast(reports.local_authority_id as varchar) as local_authority_id,
        cast(reports.report_type as varchar) as report_type,
        cast(reports.inspection_kind as varchar) as inspection_kind,
        -- first and last day over all visit windows; least/greatest skip nulls, so either source suffices
        cast(least(reports.inspection_start_date, date_windows.first_window_start_date) as date)
            as inspection_start_date,
        cast(greatest(reports.inspection_end_date, date_windows.last_window_end_date) as date)
            as inspection_end_date,
        cast(reports.lead_inspector as varchar) as lead_inspector,
        cast(overall_judgements.grade as varchar) as overall_effectiveness,
        cast(overall_judgements.grade_rank as integer) as overall_effectiveness_rank,
        cast(reports.source_file as varchar) as source_file,
        cast(report_dates.publication_date as date) as publication_date,
        cast(reports.inspectors as varchar) as inspectors,
        cast(report_dates.report_date as date) as report_date

    from reports
    left join date_windows
        on reports.report_id = date_windows.report_id
    left join overall_judgements
        on reports.report_id = overall_judgements.report_id
    left join report_dates
        on reports.report_id = report_dates.report_id

)

select * from final
