-- Stand-in, empty, for the mart of area SEND inspections (columns as the warehouse contract names them), so
-- that fct_council_events and fct_next_inspection_estimates build before that mart exists. Delete this file
-- when models/marts/fct_area_send_inspections.sql arrives: dbt refuses two models of one name.
{{ config(schema='intermediate', materialized='view') }}

select
    cast(null as varchar) as report_id,
    cast(null as varchar) as local_authority_id,
    cast(null as date) as inspection_start_date,
    cast(null as date) as inspection_end_date,
    cast(null as date) as report_date,
    cast(null as varchar) as partnership_name,
    cast(null as varchar) as integrated_care_board,
    cast(null as varchar) as outcome,
    cast(null as varchar) as outcome_label,
    cast(null as varchar) as next_full_inspection_within,
    cast(null as varchar) as monitoring_inspection_within,
    cast(null as date) as previous_inspection_date,
    cast(null as varchar) as source_file

where false
