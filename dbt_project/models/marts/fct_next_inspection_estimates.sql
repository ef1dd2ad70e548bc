-- One row per current authority and inspection family (ILACS, area SEND): when its next inspection is
-- likely due under Ofsted's published rules (seed next_inspection_rules), counted from the last day of its
-- latest inspection of that family. Ofsted publishes no dates: every row is an estimate, and says the rule
-- it used. An authority with no inspection of the family loaded has a row with no dates and says so.
with

authorities as (

    select * from {{ ref('dim_local_authorities') }}
    where is_current

),

rules as (

    select * from {{ ref('next_inspection_rules') }}

),

latest_inspections as (

    select * from {{ ref('fct_latest_inspections') }}

),

inspections as (

    select * from {{ ref('fct_inspections') }}

),

-- The lowest judgement of an inspection: the basis for the April 2026 ILACS framework, which gives no
-- overall grade.
lowest_judgements as (

    select
        inspection_id,
        max(grade_rank) as lowest_grade_rank

    from {{ ref('fct_judgements') }}
    where judgement_area not in ('overall_effectiveness', 'lscb')
    group by inspection_id

),

ilacs_basis as (

    select
        latest_inspections.local_authority_id,
        latest_inspections.inspection_id as based_on_report_id,
        latest_inspections.inspected_as_local_authority_id,
        latest_inspections.framework,
        coalesce(latest_inspections.inspection_end_date, inspections.report_date) as based_on_date,
        latest_inspections.overall_effectiveness,
        latest_inspections.overall_effectiveness_rank is null
        and lowest_judgements.lowest_grade_rank is not null as by_lowest_judgement,
        case coalesce(latest_inspections.overall_effectiveness_rank, lowest_judgements.lowest_grade_rank)
            when 1 then 'outstanding_or_good'
            when 2 then 'outstanding_or_good'
            when 3 then 'requires_improvement'
            when 4 then 'inadequate'
        end as basis

    from latest_inspections
    left join inspections
        on latest_inspections.inspection_id = inspections.inspection_id
    left join lowest_judgements
        on latest_inspections.inspection_id = lowest_judgements.inspection_id

),

ilacs_estimates as (

    select
        authorities.local_authority_id,
        'ilacs' as inspection_family,
        ilacs_basis.basis,
        ilacs_basis.based_on_report_id,
        ilacs_basis.based_on_date,
        rules.next_event,
        rules.months_estimate,
        rules.months_earliest,
        rules.months_latest,
        rules.source,
        case
            when ilacs_basis.based_on_report_id is null
                then 'No graded inspection of this authority is loaded, so no estimate.'
            when rules.basis is null
                then 'The latest graded inspection has no grade to go by, so no estimate.'
            when ilacs_basis.based_on_date is null
                then 'The latest graded inspection states no date, so no estimate.'
            else
                rules.rule_applied
                || '. Based on the '
                || case ilacs_basis.framework
                    when 'child_protection_2012' then '2012-13 child protection'
                    when 'looked_after_children_2013' then '2013 looked after children'
                    when 'sif_2013' then 'single inspection framework'
                    when 'ilacs_2018' then 'ILACS'
                    when 'ilacs_2026' then 'ILACS (April 2026 framework)'
                    else 'graded'
                end
                || ' inspection that ended '
                || strftime(ilacs_basis.based_on_date, '%-d %B %Y')
                || case
                    when ilacs_basis.by_lowest_judgement
                        then ', which gives no overall grade: its lowest judgement is taken'
                    else ' (overall effectiveness: ' || ilacs_basis.overall_effectiveness || ')'
                end
                || case
                    when ilacs_basis.inspected_as_local_authority_id <> authorities.local_authority_id
                        then ', of the authority it replaced (' || ilacs_basis.inspected_as_local_authority_id || ')'
                    else ''
                end
                || '. An estimate: Ofsted publishes no inspection dates.'
        end as rule_applied

    from authorities
    left join ilacs_basis
        on authorities.local_authority_id = ilacs_basis.local_authority_id
    left join rules
        on
            rules.inspection_family = 'ilacs'
            and ilacs_basis.basis = rules.basis

),

send_latest as (

    select
        local_authority_id,
        report_id,
        outcome,
        outcome_label,
        coalesce(inspection_end_date, report_date) as based_on_date,
        -- the interval the report itself states for what comes next ("within 18 months", "5 years")
        case when outcome = 'systemic_failings' then monitoring_inspection_within else next_full_inspection_within end
            as stated_interval

    from {{ ref('fct_area_send_inspections') }}
    where local_authority_id is not null
    qualify row_number() over (
        partition by local_authority_id
        order by coalesce(inspection_end_date, report_date) desc nulls last, report_id desc
    ) = 1

),

send_stated as (

    select
        *,
        case
            when regexp_matches(lower(stated_interval), '\d+\s*year')
                then 12 * cast(regexp_extract(lower(stated_interval), '(\d+)\s*year', 1) as integer)
            when regexp_matches(lower(stated_interval), '\d+\s*month')
                then cast(regexp_extract(lower(stated_interval), '(\d+)\s*month', 1) as integer)
        end as stated_months

    from send_latest

),

send_estimates as (

    select
        authorities.local_authority_id,
        'area_send' as inspection_family,
        send_stated.outcome as basis,
        send_stated.report_id as based_on_report_id,
        send_stated.based_on_date,
        rules.next_event,
        coalesce(send_stated.stated_months, rules.months_estimate) as months_estimate,
        least(rules.months_earliest, coalesce(send_stated.stated_months, rules.months_estimate)) as months_earliest,
        coalesce(send_stated.stated_months, rules.months_latest) as months_latest,
        rules.source,
        case
            when send_stated.report_id is null
                then 'No area SEND inspection of this authority is loaded, so no estimate.'
            when rules.basis is null
                then 'The latest area SEND inspection states no outcome to go by, so no estimate.'
            when send_stated.based_on_date is null
                then 'The latest area SEND inspection states no date, so no estimate.'
            else
                rules.rule_applied
                || case
                    when send_stated.stated_months is not null
                        then ' (the report states: within ' || send_stated.stated_interval || ')'
                    else ''
                end
                || '. Based on the area SEND inspection that ended '
                || strftime(send_stated.based_on_date, '%-d %B %Y')
                || '. An estimate: Ofsted publishes no inspection dates.'
        end as rule_applied

    from authorities
    left join send_stated
        on authorities.local_authority_id = send_stated.local_authority_id
    left join rules
        on
            rules.inspection_family = 'area_send'
            and send_stated.outcome = rules.basis

),

estimates as (

    select * from ilacs_estimates
    union all
    select * from send_estimates

),

final as (

    select
        cast(estimates.local_authority_id as varchar) as local_authority_id,
        cast(authorities.local_authority_name as varchar) as local_authority_name,
        cast(estimates.inspection_family as varchar) as inspection_family,
        cast(
            estimates.based_on_date + to_months(estimates.months_estimate) as date
        ) as estimated_due_date,
        cast(
            estimates.based_on_date + to_months(estimates.months_earliest) as date
        ) as earliest_due_date,
        cast(
            estimates.based_on_date + to_months(estimates.months_latest) as date
        ) as latest_due_date,
        cast(estimates.rule_applied as varchar) as rule_applied,
        cast(estimates.based_on_report_id as varchar) as based_on_report_id,
        cast(true as boolean) as is_estimate,
        cast(estimates.based_on_date as date) as based_on_date,
        cast(estimates.basis as varchar) as basis,
        cast(case when estimates.based_on_date is not null then estimates.next_event end as varchar)
            as next_event,
        cast(case when estimates.based_on_date is not null then estimates.source end as varchar) as rule_source

    from estimates
    inner join authorities
        on estimates.local_authority_id = authorities.local_authority_id

)

select * from final
