-- One row per loaded area SEND inspection report (2023 framework): the local area partnership, the outcome
-- in its three levels with its label and the intervals to the next inspections the report states, and the
-- previous inspection. Reports of the earlier framework are held back before the marts (not read yet).
with

reports as (

    select * from {{ ref('int_reports_filtered_to_loaded') }}
    where report_type = 'area_send_inspection'

),

report_dates as (

    select * from {{ ref('int_report_dates') }}

),

send as (

    select * from {{ ref('stg_extracted__area_send_inspections') }}
    where not_read_reason is null

),

outcomes as (

    select * from {{ ref('area_send_outcomes') }}

),

final as (

    select
        cast(reports.report_id as varchar) as report_id,
        cast(reports.local_authority_id as varchar) as local_authority_id,
        cast(reports.inspection_start_date as date) as inspection_start_date,
        cast(reports.inspection_end_date as date) as inspection_end_date,
        cast(report_dates.report_date as date) as report_date,
        cast(send.partnership_name as varchar) as partnership_name,
        cast(send.integrated_care_board as varchar) as integrated_care_board,
        cast(send.outcome as varchar) as outcome,
        cast(outcomes.outcome_label as varchar) as outcome_label,
        cast(send.next_full_inspection_within as varchar) as next_full_inspection_within,
        cast(send.monitoring_inspection_within as varchar) as monitoring_inspection_within,
        cast(send.previous_inspection_date as date) as previous_inspection_date,
        cast(send.previous_inspection_text as varchar) as previous_inspection_text,
        cast(reports.lead_inspector as varchar) as lead_inspector,
        cast(reports.source_file as varchar) as source_file

    from reports
    inner join report_dates
        on reports.report_id = report_dates.report_id
    inner join send
        on reports.report_id = send.report_id
    left join outcomes
        on send.outcome = outcomes.outcome

)

select * from final
