-- One row per event of every kind in an authority's history: graded inspections of every framework (LSCB
-- reviews included), monitoring, focused and assurance visits, joint targeted area inspections and area SEND
-- inspections, each with its dates, its kind in words, its headline outcome in words and where to read it.
with

reports as (

    select * from {{ ref('dim_reports') }}

),

authorities as (

    select * from {{ ref('dim_local_authorities') }}

),

event_kinds as (

    select * from {{ ref('event_kinds') }}

),

inspections as (

    select * from {{ ref('fct_inspections') }}

),

judgements as (

    select * from {{ ref('fct_judgements') }}

),

-- An inspection under the April 2026 ILACS framework has no overall grade: its judgements, in words, are
-- its headline ("Impact of leaders: Good; Help and protection: Requires improvement to be good; ...").
judgements_in_words as (

    select
        inspection_id,
        string_agg(
            upper(left(judgement_area, 1)) || replace(substr(judgement_area, 2), '_', ' ')
            || ': ' || coalesce(grade, 'not stated'),
            '; '
            order by
                coalesce(
                    nullif(
                        list_position(
                            [
                                'impact_of_leaders', 'help_and_protection', 'children_in_care',
                                'care_leavers', 'children_in_care_and_care_leavers'
                            ],
                            judgement_area
                        ),
                        0
                    ),
                    99
                ),
                judgement_area
        ) as judgements_text

    from judgements
    where judgement_area <> 'overall_effectiveness'
    group by inspection_id

),

lscb_grades as (

    select
        inspection_id,
        grade

    from judgements
    where judgement_area = 'lscb'

),

graded_events as (

    select
        inspections.report_id,
        inspections.local_authority_id,
        case
            when inspections.report_type = 'sif_inspection' and inspections.inspection_kind = 'reinspection'
                then 'sif_reinspection'
            when inspections.report_type = 'ilacs_inspection' and inspections.inspection_kind = 'standard'
                then 'ilacs_standard_inspection'
            when inspections.report_type = 'ilacs_inspection' and inspections.inspection_kind = 'short'
                then 'ilacs_short_inspection'
            else inspections.report_type
        end as event_kind,
        inspections.inspection_start_date as event_start_date,
        inspections.inspection_end_date as event_end_date,
        inspections.report_date,
        case
            when inspections.report_type = 'lscb_review'
                then coalesce(lscb_grades.grade, 'no grade stated')
            when inspections.overall_effectiveness is not null then inspections.overall_effectiveness
            when
                inspections.report_type = 'ilacs_inspection'
                and coalesce(inspections.inspection_start_date, inspections.report_date)
                >= date '{{ var("ilacs_without_overall_from") }}'
                then coalesce(
                    'No overall grade (2026 framework). ' || judgements_in_words.judgements_text,
                    'No overall grade (2026 framework)'
                )
            else 'overall grade not stated'
        end as headline_outcome,
        inspections.source_file

    from inspections
    left join judgements_in_words
        on inspections.inspection_id = judgements_in_words.inspection_id
    left join lscb_grades
        on inspections.inspection_id = lscb_grades.inspection_id

),

visit_events as (

    select
        report_id,
        local_authority_id,
        case
            when visit_type = 'focused_visit' and visit_theme = 'Assurance visit' then 'assurance_visit'
            else visit_type
        end as event_kind,
        visit_start_date as event_start_date,
        visit_end_date as event_end_date,
        report_date,
        'not graded' as headline_outcome,
        source_file

    from {{ ref('fct_visits') }}

),

joint_events as (

    select
        report_id,
        local_authority_id,
        'joint_targeted_area_inspection' as event_kind,
        inspection_start_date as event_start_date,
        inspection_end_date as event_end_date,
        report_date,
        'not graded' as headline_outcome,
        source_file

    from {{ ref('fct_jtai_inspections') }}

),

send_events as (

    select
        report_id,
        local_authority_id,
        'area_send_inspection' as event_kind,
        inspection_start_date as event_start_date,
        inspection_end_date as event_end_date,
        report_date,
        coalesce(outcome_label, outcome, 'outcome not stated') as headline_outcome,
        source_file

    from {{ ref('fct_area_send_inspections') }}

),

events as (

    select * from graded_events
    union all
    select * from visit_events
    union all
    select * from joint_events
    union all
    select * from send_events

),

final as (

    select
        cast(events.report_id as varchar) as event_id,
        cast(events.local_authority_id as varchar) as local_authority_id,
        cast(authorities.local_authority_name as varchar) as local_authority_name,
        cast(events.report_id as varchar) as report_id,
        cast(events.event_kind as varchar) as event_kind,
        cast(event_kinds.event_kind_label as varchar) as event_kind_label,
        cast(event_kinds.event_group as varchar) as event_group,
        cast(reports.report_type as varchar) as report_type,
        cast(events.event_start_date as date) as event_start_date,
        cast(events.event_end_date as date) as event_end_date,
        cast(coalesce(events.report_date, reports.report_date) as date) as report_date,
        cast(events.headline_outcome as varchar) as headline_outcome,
        cast(coalesce(reports.source_url, coalesce(events.source_file, reports.source_file)) as varchar)
            as document_url,
        cast(reports.source_url as varchar) as source_url,
        cast(coalesce(events.source_file, reports.source_file) as varchar) as source_file

    from events
    left join reports
        on events.report_id = reports.report_id
    left join authorities
        on events.local_authority_id = authorities.local_authority_id
    left join event_kinds
        on events.event_kind = event_kinds.event_kind

)

select * from final
