-- Stand-in, empty, for the mart of joint targeted area inspections (columns as the warehouse contract names
-- them), so that fct_council_events builds before that mart exists. Delete this file when
-- models/marts/fct_jtai_inspections.sql arrives: dbt refuses two models of one name.
{{ config(schema='intermediate', materialized='view') }}

select
    cast(null as varchar) as report_id,
    cast(null as varchar) as local_authority_id,
    cast(null as date) as inspection_start_date,
    cast(null as date) as inspection_end_date,
    cast(null as date) as report_date,
    cast(null as varchar) as theme,
    cast(null as varchar) as theme_group,
    cast(null as varchar) as theme_label,
    cast(null as varchar) as partnership_name,
    cast(null as varchar) as agencies,
    cast(null as varchar) as source_file

where false
