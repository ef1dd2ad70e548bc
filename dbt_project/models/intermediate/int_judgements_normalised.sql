-- Grades as worded in the report, looked up in seeds/grade_scale.csv by a normalised key (lower case,
-- whitespace collapsed, trailing full stop dropped). A wording missing from the seed leaves grade null
-- while grade_as_worded keeps the text; a test on fct_judgements fails on that, so the seed gets extended
-- rather than the grade silently lost.
with

judgements as (

    select * from {{ ref('stg_extracted__judgements') }}

),

grade_scale as (

    select * from {{ ref('grade_scale') }}

),

normalised as (

    select
        judgements.report_id,
        judgements.judgement_area,
        judgements.grade_as_worded,
        grade_scale.grade,
        grade_scale.grade_rank,
        judgements.statement_count,
        judgements.distinct_grade_count,
        judgements.grades_stated,
        judgements.page_number,
        judgements.evidence

    from judgements
    left join grade_scale
        on {{ grade_key('judgements.grade_as_worded') }} = {{ grade_key('grade_scale.grade_as_worded') }}

)

select * from normalised
