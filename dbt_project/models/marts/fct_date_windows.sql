-- One row per window of days an inspection or visit took place in, in the order the report gives
-- them. Most have one window; a visit "on 15, 16 and 21 July 2025" has two (15-16 and 21 July). The
-- inspection's or visit's start and end dates in fct_inspections / fct_visits are the first and last
-- day over these windows.
with

reports as (

    select * from {{ ref('int_reports_filtered_to_loaded') }}

),

windows as (

    select * from {{ ref('stg_extracted__date_windows') }}

),

final as (

    select
        cast(windows.report_id as varchar) as report_id,
        cast(windows.window_number as integer) as window_number,
        cast(windows.window_start_date as date) as window_start_date,
        cast(windows.window_end_date as date) as window_end_date,
        cast(datediff('day', windows.window_start_date, windows.window_end_date) + 1 as integer) as days,
        cast(reports.report_type as varchar) as report_type,
        cast(reports.local_authority_id as varchar) as local_authority_id,
        cast(reports.source_file as varchar) as source_file

    from windows
    inner join reports
        on windows.report_id = reports.report_id

)

select * from final
