-- One row per current authority: its latest graded inspection with every judgement as a column, the latest
-- visit since, and how its statistical neighbours were last judged overall.
with

authorities as (

    select * from {{ ref('dim_local_authorities') }}

),

inspections as (

    select * from {{ ref('fct_inspections') }}

),

judgements as (

    select * from {{ ref('fct_judgements') }}

),

visits as (

    select * from {{ ref('fct_visits') }}

),

current_authorities as (

    select
        local_authority_id,
        local_authority_name,
        ofsted_region,
        statistical_neighbours

    from authorities
    where is_current

),

-- Each current authority is inspected as itself, or as an authority it replaced (Northamptonshire for North
-- and West Northamptonshire, Cumbria for Cumberland and for Westmorland and Furness, Bournemouth and Poole
-- for Bournemouth, Christchurch and Poole): the successor inherits the predecessor's latest inspection
-- until it has one of its own.
inspected_as as (

    select
        local_authority_id,
        local_authority_id as inspected_as_local_authority_id,
        true as is_own

    from current_authorities

    union all

    select
        successor.successor_id as local_authority_id,
        successor.predecessor_id as inspected_as_local_authority_id,
        false as is_own

    from (
        select
            local_authority_id as predecessor_id,
            unnest({{ split_codes('successor_ids') }}) as successor_id
        from authorities
    ) as successor

),

-- An LSCB review grades the safeguarding board, not the authority, so it is never the latest inspection.
-- An inspection counts from its last day on site, or its publication date when the dates are not stated.
authority_inspections as (

    select
        inspected_as.local_authority_id,
        inspected_as.inspected_as_local_authority_id,
        inspected_as.is_own,
        inspections.inspection_id,
        inspections.report_type,
        inspections.inspection_kind,
        inspections.inspection_start_date,
        inspections.inspection_end_date,
        inspections.publication_date,
        inspections.lead_inspector,
        inspections.overall_effectiveness,
        inspections.overall_effectiveness_rank,
        inspections.source_file,
        coalesce(inspections.inspection_end_date, inspections.publication_date) as inspection_reference_date

    from inspected_as
    inner join inspections
        on inspections.local_authority_id = inspected_as.inspected_as_local_authority_id
    where inspections.report_type <> 'lscb_review'

),

latest as (

    select * from authority_inspections
    qualify row_number() over (
        partition by local_authority_id
        order by is_own desc, inspection_reference_date desc nulls last, inspection_id desc
    ) = 1

),

judgements_wide as (

    select
        {% for area in reconciled_judgement_areas() if area != 'overall_effectiveness' -%}
            max(grade) filter (where judgement_area = '{{ area }}') as {{ area }},
        {% endfor -%}
        inspection_id

    from judgements
    group by inspection_id

),

-- Visits to the authority, or to the authority it was inspected as, that started after the inspection
-- ended (a visit without a start date counts from its letter's date).
visits_since as (

    select
        latest.local_authority_id,
        visits.visit_id,
        visits.visit_type,
        coalesce(visits.visit_start_date, visits.letter_date) as visit_date,
        visits.visit_theme,
        visits.progress_summary

    from latest
    inner join visits
        on
            visits.local_authority_id in (latest.local_authority_id, latest.inspected_as_local_authority_id)
            and coalesce(visits.visit_start_date, visits.letter_date) > latest.inspection_reference_date

),

latest_visit as (

    select
        *,
        count(*) over (partition by local_authority_id) as visits_since_count

    from visits_since
    qualify row_number() over (
        partition by local_authority_id
        order by visit_date desc, visit_id desc
    ) = 1

),

-- Each neighbour's grade is its own latest overall effectiveness as this table gives it: a neighbour whose
-- latest inspection has none (an ILACS inspection from April 2026, or no inspection loaded) is not graded.
-- Adequate (2012-13) shares rank 3 with Requires improvement to be good and is counted with it.
neighbour_grades as (

    select
        neighbours.local_authority_id,
        count(*) as neighbours_count,
        count(*) filter (where neighbour_latest.overall_effectiveness_rank = 1) as neighbours_outstanding_count,
        count(*) filter (where neighbour_latest.overall_effectiveness_rank = 2) as neighbours_good_count,
        count(*) filter (
            where neighbour_latest.overall_effectiveness_rank = 3
        ) as neighbours_requires_improvement_count,
        count(*) filter (where neighbour_latest.overall_effectiveness_rank = 4) as neighbours_inadequate_count,
        count(*) filter (
            where neighbour_latest.overall_effectiveness_rank is null
        ) as neighbours_not_graded_count

    from (
        select
            local_authority_id,
            unnest(statistical_neighbours) as neighbour_id
        from current_authorities
    ) as neighbours
    left join latest as neighbour_latest
        on neighbour_latest.local_authority_id = neighbours.neighbour_id
    group by neighbours.local_authority_id

),

final as (

    select
        cast(current_authorities.local_authority_id as varchar) as local_authority_id,
        cast(current_authorities.local_authority_name as varchar) as local_authority_name,
        cast(current_authorities.ofsted_region as varchar) as ofsted_region,
        cast(latest.inspected_as_local_authority_id as varchar) as inspected_as_local_authority_id,
        cast(latest.inspection_id as varchar) as inspection_id,
        cast(latest.report_type as varchar) as report_type,
        cast(
            case
                when latest.report_type = 'child_protection_inspection' then 'child_protection_2012'
                when latest.report_type = 'looked_after_children_inspection' then 'looked_after_children_2013'
                when latest.report_type = 'sif_inspection' then 'sif_2013'
                when
                    latest.report_type = 'ilacs_inspection'
                    and coalesce(latest.inspection_start_date, latest.publication_date)
                    >= date '{{ var("ilacs_without_overall_from") }}'
                    then 'ilacs_2026'
                when latest.report_type = 'ilacs_inspection' then 'ilacs_2018'
            end as varchar
        ) as framework,
        cast(latest.inspection_kind as varchar) as inspection_kind,
        cast(latest.inspection_start_date as date) as inspection_start_date,
        cast(latest.inspection_end_date as date) as inspection_end_date,
        cast(latest.publication_date as date) as publication_date,
        cast(latest.lead_inspector as varchar) as lead_inspector,
        cast(latest.overall_effectiveness as varchar) as overall_effectiveness,
        cast(latest.overall_effectiveness_rank as integer) as overall_effectiveness_rank,
        cast(judgements_wide.impact_of_leaders as varchar) as impact_of_leaders,
        cast(judgements_wide.help_and_protection as varchar) as help_and_protection,
        cast(judgements_wide.children_in_care as varchar) as children_in_care,
        cast(judgements_wide.care_leavers as varchar) as care_leavers,
        cast(judgements_wide.children_in_care_and_care_leavers as varchar) as children_in_care_and_care_leavers,
        cast(judgements_wide.adoption as varchar) as adoption,
        cast(judgements_wide.leadership_management_governance as varchar) as leadership_management_governance,
        cast(judgements_wide.lscb as varchar) as lscb,
        cast(judgements_wide.quality_of_practice as varchar) as quality_of_practice,
        cast(judgements_wide.leadership_and_governance as varchar) as leadership_and_governance,
        cast(judgements_wide.capacity_to_improve as varchar) as capacity_to_improve,
        cast(judgements_wide.outcomes_for_looked_after_children as varchar) as outcomes_for_looked_after_children,
        cast(judgements_wide.quality_of_provision as varchar) as quality_of_provision,
        cast(judgements_wide.leadership_and_management as varchar) as leadership_and_management,
        cast(latest.source_file as varchar) as source_file,
        cast(latest_visit.visit_id as varchar) as latest_visit_id,
        cast(latest_visit.visit_type as varchar) as latest_visit_type,
        cast(latest_visit.visit_date as date) as latest_visit_date,
        cast(latest_visit.visit_theme as varchar) as latest_visit_theme,
        cast(latest_visit.progress_summary as varchar) as latest_visit_progress_summary,
        cast(coalesce(latest_visit.visits_since_count, 0) as integer) as visits_since_count,
        cast(coalesce(neighbour_grades.neighbours_count, 0) as integer) as neighbours_count,
        cast(coalesce(neighbour_grades.neighbours_outstanding_count, 0) as integer) as neighbours_outstanding_count,
        cast(coalesce(neighbour_grades.neighbours_good_count, 0) as integer) as neighbours_good_count,
        cast(
            coalesce(neighbour_grades.neighbours_requires_improvement_count, 0) as integer
        ) as neighbours_requires_improvement_count,
        cast(coalesce(neighbour_grades.neighbours_inadequate_count, 0) as integer) as neighbours_inadequate_count,
        cast(coalesce(neighbour_grades.neighbours_not_graded_count, 0) as integer) as neighbours_not_graded_count

    from current_authorities
    left join latest
        on latest.local_authority_id = current_authorities.local_authority_id
    left join judgements_wide
        on judgements_wide.inspection_id = latest.inspection_id
    left join latest_visit
        on latest_visit.local_authority_id = current_authorities.local_authority_id
    left join neighbour_grades
        on neighbour_grades.local_authority_id = current_authorities.local_authority_id

)

select * from final
