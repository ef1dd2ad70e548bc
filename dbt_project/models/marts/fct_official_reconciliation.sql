-- Ofsted's official statistics set beside the loaded reports: one row per official event with the report
-- that is its record, and per judgement area whether the report's grade agrees with the statistics; plus a
-- row per loaded graded report the statistics do not list. It compares only: no value here goes back into
-- another mart.
--
-- An event's report is a loaded report of the same authority (or of its predecessor or successor), of the
-- report type seed official_frameworks gives the event's framework, dated within tolerance_days of the
-- event: publication date against publication date, or the statistics' inspection or visit date against
-- the report's first day (macro reconciliation_tolerance_days). The nearest wins; on a tie, the report of
-- the expected inspection kind, then the lowest report_id.
--
-- A report that prints no publication date, of an event the statistics give no inspection date (a SIF
-- inspection, an LSCB review, the 2012-13 inspections), has no pair of dates to compare. It is matched by
-- its inspection dates instead: the event's publication date falls on or after the report's last day of
-- inspection, within publication_window_days of it (macro reconciliation_publication_window_days; Ofsted
-- publishes a report some 3 to 19 weeks after the inspection ends). The nearest such report wins; a
-- report already matched on a pair of dates to an event of the same framework is not matched again.
{% set tolerance_days = reconciliation_tolerance_days() %}
{% set publication_window_days = reconciliation_publication_window_days() %}
{% set areas = reconciled_judgement_areas() %}

with

official_events as (

    select * from {{ ref('stg_reference__official_outcomes') }}

),

frameworks as (

    select * from {{ ref('official_frameworks') }}

),

authorities as (

    select * from {{ ref('dim_local_authorities') }}

),

inspections as (

    select * from {{ ref('fct_inspections') }}

),

visits as (

    select * from {{ ref('fct_visits') }}

),

judgements as (

    select * from {{ ref('fct_judgements') }}

),

grade_scale as (

    select * from {{ ref('grade_scale') }}

),

-- every loaded report the statistics could list, with the dates matching uses
reports as (

    select
        report_id,
        local_authority_id,
        report_type,
        inspection_kind,
        inspection_start_date as first_day,
        inspection_end_date as last_day,
        publication_date

    from inspections

    union all

    select
        report_id,
        local_authority_id,
        visit_type as report_type,
        null as inspection_kind,
        visit_start_date as first_day,
        visit_end_date as last_day,
        publication_date

    from visits

),

-- an authority, and each authority that replaced it or that it replaced
related_authorities as (

    select
        local_authority_id,
        local_authority_id as related_authority_id

    from authorities

    union

    select
        authorities.local_authority_id,
        trim(successor.successor_id) as related_authority_id

    from authorities,
        unnest(string_split(authorities.successor_ids, ';')) as successor (successor_id)

    union

    select
        trim(successor.successor_id) as local_authority_id,
        authorities.local_authority_id as related_authority_id

    from authorities,
        unnest(string_split(authorities.successor_ids, ';')) as successor (successor_id)

),

-- an event the statistics give no dates (an LSCB review) takes those of the authority's event of the
-- framework seed official_frameworks names; the first such event when there are several
dating_events as (

    select
        official_events.official_event_id,
        dating.publication_date,
        dating.inspection_or_visit_date

    from official_events
    inner join (select distinct
        framework,
        dates_from_framework
    from frameworks) as framework_dating
        on official_events.framework = framework_dating.framework
    inner join official_events as dating
        on
            dating.local_authority_id = official_events.local_authority_id
            and dating.framework = framework_dating.dates_from_framework
    where
        official_events.publication_date is null
        and official_events.inspection_or_visit_date is null
    qualify row_number() over (
        partition by official_events.official_event_id
        order by dating.publication_date, dating.official_event_id
    ) = 1

),

events_dated as (

    select
        official_events.official_event_id,
        official_events.local_authority_id,
        official_events.framework,
        coalesce(official_events.publication_date, dating_events.publication_date) as match_publication_date,
        coalesce(official_events.inspection_or_visit_date, dating_events.inspection_or_visit_date)
            as match_first_day

    from official_events
    left join dating_events
        on official_events.official_event_id = dating_events.official_event_id

),

candidates as (

    select
        events_dated.official_event_id,
        events_dated.framework,
        reports.report_id,
        reports.report_type,
        abs(date_diff('day', events_dated.match_publication_date, reports.publication_date))
            as publication_days_apart,
        abs(date_diff('day', events_dated.match_first_day, reports.first_day)) as first_day_days_apart,
        -- only where neither pair of dates can be compared: days from the last day of inspection to the
        -- event's publication
        case
            when reports.publication_date is null and events_dated.match_first_day is null
                then date_diff('day', reports.last_day, events_dated.match_publication_date)
        end as publication_lag_days,
        not(reports.inspection_kind is distinct from frameworks.inspection_kind) as is_expected_kind

    from events_dated
    inner join frameworks
        on events_dated.framework = frameworks.framework
    inner join related_authorities
        on events_dated.local_authority_id = related_authorities.local_authority_id
    inner join reports
        on
            reports.local_authority_id = related_authorities.related_authority_id
            and reports.report_type = frameworks.report_type
    where
        frameworks.required_judgement_area is null
        or exists (
            select 1
            from judgements
            where
                judgements.report_id = reports.report_id
                and judgements.judgement_area = frameworks.required_judgement_area
                and judgements.grade is not null
        )

),

-- least() skips nulls: the closer of the two date pairs the event and the report both have
date_matches as (

    select
        official_event_id,
        framework,
        report_id,
        report_type,
        least(publication_days_apart, first_day_days_apart) as days_apart,
        case
            when publication_days_apart <= first_day_days_apart or first_day_days_apart is null
                then 'publication_date'
            else 'inspection_or_visit_date'
        end as matched_on

    from candidates
    where least(publication_days_apart, first_day_days_apart) <= {{ tolerance_days }}
    qualify row_number() over (
        partition by official_event_id
        order by least(publication_days_apart, first_day_days_apart), is_expected_kind desc, report_id asc
    ) = 1

),

-- where no pair of dates exists: the publication window after the report's last day of inspection, for an
-- event not matched on dates, to a report no event of the same framework matched on dates
window_matches as (

    select
        candidates.official_event_id,
        candidates.framework,
        candidates.report_id,
        candidates.report_type,
        candidates.publication_lag_days as days_apart,
        'publication_window' as matched_on

    from candidates
    where
        candidates.publication_lag_days between 0 and {{ publication_window_days }}
        and candidates.official_event_id not in (select date_matches.official_event_id from date_matches)
        and not exists (
            select 1
            from date_matches
            where
                date_matches.report_id = candidates.report_id
                and date_matches.framework = candidates.framework
        )
    qualify row_number() over (
        partition by candidates.official_event_id
        order by candidates.publication_lag_days asc, candidates.is_expected_kind desc, candidates.report_id asc
    ) = 1

),

matches as (

    select
        official_event_id,
        report_id,
        report_type,
        days_apart,
        matched_on
    from date_matches

    union all

    select
        official_event_id,
        report_id,
        report_type,
        days_apart,
        matched_on
    from window_matches

),

official_grades as (

    unpivot (
        select official_event_id, {{ areas | join(', ') }}
        from official_events
    )
    on {{ areas | join(', ') }}
    into name judgement_area value official_grade

),

-- both sides' grades through seeds/grade_scale.csv: grades of equal rank agree, so "Adequate" and
-- "Requires improvement to be good" (rank 3) are the same; "Not judged" has no rank and agrees only with itself
compared as (

    select
        official_grades.official_event_id,
        official_grades.judgement_area,
        official_scale.grade as official_grade,
        judgements.grade as report_grade,
        case
            when judgements.grade is null then 'missing'
            when not (official_scale.grade_rank is distinct from judgements.grade_rank) then 'agrees'
            else 'differs'
        end as agreement

    from official_grades
    inner join matches
        on official_grades.official_event_id = matches.official_event_id
    left join grade_scale as official_scale
        on {{ grade_key('official_grades.official_grade') }} = {{ grade_key('official_scale.grade_as_worded') }}
    left join judgements
        on
            matches.report_id = judgements.report_id
            and official_grades.judgement_area = judgements.judgement_area

),

agreement_by_event as (

    select
        official_event_id,
        {% for area in areas -%}
            max(case when judgement_area = '{{ area }}' then agreement end) as {{ area }}_agreement,
        {% endfor -%}
        string_agg(
            case
                when agreement <> 'agrees'
                    then
                        judgement_area || ': statistics ' || official_grade || ', report '
                        || coalesce(report_grade, 'none')
            end,
            '; ' order by judgement_area
        ) as grade_discrepancies

    from compared
    group by official_event_id

),

event_rows as (

    select
        official_events.official_event_id,
        official_events.local_authority_id,
        official_events.framework,
        official_events.publication_date,
        official_events.inspection_or_visit_date,
        matches.report_id,
        matches.report_type,
        case
            when matches.report_id is not null then 'matched'
            when framework_types.framework is null then 'framework_not_read'
            else 'no_report'
        end as match_status,
        matches.matched_on,
        matches.days_apart,
        {% for area in areas -%}
            agreement_by_event.{{ area }}_agreement,
        {% endfor -%}
        agreement_by_event.grade_discrepancies

    from official_events
    left join matches
        on official_events.official_event_id = matches.official_event_id
    left join agreement_by_event
        on official_events.official_event_id = agreement_by_event.official_event_id
    -- frameworks with a report type the warehouse reads; the 2009-12 inspections have none
    left join (
        select distinct framework from frameworks
        where report_type is not null
    ) as framework_types
        on official_events.framework = framework_types.framework

),

unlisted_report_rows as (

    select
        null as official_event_id,
        inspections.local_authority_id,
        null as framework,
        null as publication_date,
        null as inspection_or_visit_date,
        inspections.report_id,
        inspections.report_type,
        'not_in_statistics' as match_status,
        null as matched_on,
        null as days_apart,
        {% for area in areas -%}
            null as {{ area }}_agreement,
        {% endfor -%}
        null as grade_discrepancies

    from inspections
    where inspections.report_id not in (select matches.report_id from matches)

),

unioned as (

    select * from event_rows
    union all
    select * from unlisted_report_rows

),

final as (

    select
        cast(official_event_id as varchar) as official_event_id,
        cast(local_authority_id as varchar) as local_authority_id,
        cast(framework as varchar) as framework,
        cast(publication_date as date) as publication_date,
        cast(inspection_or_visit_date as date) as inspection_or_visit_date,
        cast(report_id as varchar) as report_id,
        cast(report_type as varchar) as report_type,
        cast(match_status as varchar) as match_status,
        cast(matched_on as varchar) as matched_on,
        cast(days_apart as integer) as days_apart,
        {% for area in areas -%}
            cast({{ area }}_agreement as varchar) as {{ area }}_agreement,
        {% endfor -%}
        cast(grade_discrepancies as varchar) as grade_discrepancies

    from unioned

)

select * from final
