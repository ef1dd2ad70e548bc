{{ config(meta={'dagster': {'ref': {'name': 'fct_inspections'}}}) }}
-- Joint targeted area inspections and area SEND inspections carry no grades: none of their reports may
-- become a graded inspection or hold a judgement.
select
    fct_inspections.report_id,
    fct_inspections.report_type

from {{ ref('fct_inspections') }} as fct_inspections
where fct_inspections.report_type in ('joint_targeted_area_inspection', 'area_send_inspection')

union all

select
    fct_judgements.inspection_id as report_id,
    dim_reports.report_type

from {{ ref('fct_judgements') }} as fct_judgements
inner join {{ ref('fct_inspections') }} as fct_inspections
    on fct_judgements.inspection_id = fct_inspections.inspection_id
inner join {{ ref('dim_reports') }} as dim_reports
    on fct_inspections.report_id = dim_reports.report_id
where dim_reports.report_type in ('joint_targeted_area_inspection', 'area_send_inspection')
