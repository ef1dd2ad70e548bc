-- Every graded inspection should carry its framework's headline judgement:
--   * LSCB reviews: the `lscb` judgement (they have no overall_effectiveness);
--   * ILACS inspections carried out from April 2026: none (the reformed framework dropped it). The cut-off
--     goes by the inspection's first day (its publication date when unknown), not by publication alone:
--     an ILACS inspected in January 2026 and published in June 2026 still has an overall judgement;
--   * every other graded inspection: overall_effectiveness.
-- Warn rather than error: a missing headline points at an extraction gap worth a look, but the rest of the
-- report's data is still right and should be published.
{{ config(severity='warn', meta={'dagster': {'ref': {'name': 'fct_inspections'}}}) }}

with

inspections as (

    select * from {{ ref('fct_inspections') }}

),

judgements as (

    select * from {{ ref('fct_judgements') }}

),

expected_headline as (

    select
        inspection_id,
        report_type,
        inspection_start_date,
        publication_date,
        case
            when report_type = 'lscb_review' then 'lscb'
            when
                report_type = 'ilacs_inspection'
                and coalesce(inspection_start_date, publication_date)
                >= date '{{ var("ilacs_without_overall_from") }}'
                then null
            else 'overall_effectiveness'
        end as expected_judgement_area

    from inspections

)

select expected_headline.*
from expected_headline
where
    expected_headline.expected_judgement_area is not null
    and not exists (
        select 1
        from judgements
        where
            judgements.inspection_id = expected_headline.inspection_id
            and judgements.judgement_area = expected_headline.expected_judgement_area
    )
