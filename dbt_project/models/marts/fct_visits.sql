-- One row per loaded monitoring or focused visit letter, with the graded inspection it follows.
with

reports as (

    select * from {{ ref('int_reports_filtered_to_loaded') }}
    where report_type in {{ sql_in_list(var('visit_report_types')) }}

),

visit_details as (

    select * from {{ ref('stg_extracted__visits') }}

),

inspections as (

    select * from {{ ref('fct_inspections') }}

),

authorities as (

    select * from {{ ref('dim_local_authorities') }}

),

themes as (

    select * from {{ ref('int_visit_themes_matched') }}

),

report_dates as (

    select * from {{ ref('int_report_dates') }}

),

visits as (

    select
        reports.report_id as visit_id,
        reports.report_id,
        reports.local_authority_id,
        coalesce(visit_details.visit_type, reports.report_type) as visit_type,
        visit_details.letter_date,
        coalesce(visit_details.visit_start_date, reports.inspection_start_date) as visit_start_date,
        coalesce(visit_details.visit_end_date, reports.inspection_end_date) as visit_end_date,
        visit_details.visit_number,
        coalesce(visit_details.lead_inspector, reports.lead_inspector) as lead_inspector,
        coalesce(visit_details.inspectors, reports.inspectors) as inspectors,
        visit_details.progress_summary,
        reports.source_file,
        visit_details.addressee,
        visit_details.addressee_role,
        visit_details.previous_inspection_year,
        report_dates.publication_date,
        report_dates.report_date

    from reports
    left join visit_details
        on reports.report_id = visit_details.report_id
    left join report_dates
        on reports.report_id = report_dates.report_id

),

inspections_dated as (

    -- An inspection counts from its last day; when that is unknown, from its report's publication date.
    -- An inspection is a candidate for a visit to its own authority or to any of its successors.
    select
        inspections.inspection_id,
        inspections.local_authority_id,
        inspections.report_type,
        coalesce(inspections.inspection_end_date, inspections.publication_date) as inspection_reference_date,
        list_transform(string_split(authorities.successor_ids, ';'), lambda successor: trim(successor))  -- noqa: RF02
            as successor_id_list

    from inspections
    left join authorities
        on inspections.local_authority_id = authorities.local_authority_id

),

candidate_inspections as (

    select
        visits.visit_id,
        inspections_dated.inspection_id,
        inspections_dated.inspection_reference_date,
        inspections_dated.report_type

    from visits
    inner join inspections_dated
        on (
            inspections_dated.local_authority_id = visits.local_authority_id
            or list_contains(inspections_dated.successor_id_list, visits.local_authority_id)
        )
        and inspections_dated.inspection_reference_date
        < coalesce(visits.visit_start_date, visits.letter_date)

),

preceding_inspections as (

    -- The latest candidate. On a tie (a SIF and its LSCB review share dates) the authority's own
    -- inspection wins over the LSCB review, then the highest id, so the choice is deterministic.
    select
        visit_id,
        inspection_id as preceding_inspection_id

    from candidate_inspections
    qualify row_number() over (
        partition by visit_id
        order by
            inspection_reference_date desc,
            case when report_type = 'lscb_review' then 1 else 0 end,
            inspection_id desc
    ) = 1

),

final as (

    select
        cast(visits.visit_id as varchar) as visit_id,
        cast(visits.report_id as varchar) as report_id,
        cast(visits.local_authority_id as varchar) as local_authority_id,
        cast(visits.visit_type as varchar) as visit_type,
        cast(visits.letter_date as date) as letter_date,
        cast(visits.visit_start_date as date) as visit_start_date,
        cast(visits.visit_end_date as date) as visit_end_date,
        cast(visits.visit_number as integer) as visit_number,
        cast(visits.lead_inspector as varchar) as lead_inspector,
        cast(visits.inspectors as varchar) as inspectors,
        cast(visits.progress_summary as varchar) as progress_summary,
        cast(preceding_inspections.preceding_inspection_id as varchar) as preceding_inspection_id,
        cast(visits.source_file as varchar) as source_file,
        cast(visits.addressee as varchar) as addressee,
        cast(visits.addressee_role as varchar) as addressee_role,
        cast(visits.previous_inspection_year as integer) as previous_inspection_year,
        cast(visits.publication_date as date) as publication_date,
        -- a focused visit's theme; monitoring visits follow an inspection rather than look at one theme
        cast(case when visits.visit_type = 'focused_visit' then themes.visit_theme end as varchar) as visit_theme,
        cast(visits.report_date as date) as report_date

    from visits
    left join preceding_inspections
        on visits.visit_id = preceding_inspections.visit_id
    left join themes
        on visits.report_id = themes.report_id

)

select * from final
