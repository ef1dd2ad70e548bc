{{ config(meta={'dagster': {'ref': {'name': 'fct_visits'}}}) }}
-- A visit letter's visit_type (from extracted.visits) must agree with its report's report_type.
select
    fct_visits.visit_id,
    fct_visits.visit_type,
    dim_reports.report_type

from {{ ref('fct_visits') }} as fct_visits
inner join {{ ref('dim_reports') }} as dim_reports
    on fct_visits.report_id = dim_reports.report_id
where fct_visits.visit_type <> dim_reports.report_type
