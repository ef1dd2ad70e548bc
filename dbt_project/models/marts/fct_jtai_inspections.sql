-- One row per loaded joint targeted area inspection (JTAI) letter: the theme in the letter's own words and
-- grouped (seed jtai_themes), the partnership, the inspectorates that took part and the inspection week.
-- JTAI letters carry no grades: there is no grade column, and they never reach fct_inspections.
with

reports as (

    select * from {{ ref('int_reports_filtered_to_loaded') }}
    where report_type = 'joint_targeted_area_inspection'

),

report_dates as (

    select * from {{ ref('int_report_dates') }}

),

letters as (

    select * from {{ ref('stg_extracted__joint_inspections') }}

),

themes as (

    select * from {{ ref('jtai_themes') }}

),

final as (

    select
        cast(reports.report_id as varchar) as report_id,
        cast(reports.local_authority_id as varchar) as local_authority_id,
        cast(reports.inspection_start_date as date) as inspection_start_date,
        cast(reports.inspection_end_date as date) as inspection_end_date,
        cast(report_dates.report_date as date) as report_date,
        cast(letters.letter_date as date) as letter_date,
        cast(letters.theme as varchar) as theme,
        cast(letters.theme_group as varchar) as theme_group,
        cast(themes.theme_label as varchar) as theme_label,
        cast(letters.partnership_name as varchar) as partnership_name,
        cast(letters.agencies as varchar) as agencies,
        cast(coalesce(letters.agencies like '%HMI Probation%', false) as boolean) as with_probation,
        cast(letters.layout as varchar) as letter_layout,
        cast(reports.source_file as varchar) as source_file

    from reports
    inner join report_dates
        on reports.report_id = report_dates.report_id
    inner join letters
        on reports.report_id = letters.report_id
    left join themes
        on letters.theme_group = themes.theme_group

)

select * from final
