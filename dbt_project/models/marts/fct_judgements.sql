-- One row per graded inspection and judgement area.
with

inspections as (

    select * from {{ ref('fct_inspections') }}

),

judgements as (

    select * from {{ ref('int_judgements_normalised') }}

),

final as (

    select
        cast(judgements.report_id || ':' || judgements.judgement_area as varchar) as judgement_id,
        cast(inspections.inspection_id as varchar) as inspection_id,
        cast(inspections.local_authority_id as varchar) as local_authority_id,
        cast(judgements.judgement_area as varchar) as judgement_area,
        cast(judgements.grade as varchar) as grade,
        cast(judgements.grade_rank as integer) as grade_rank,
        cast(inspections.report_id as varchar) as report_id,
        cast(inspections.report_type as varchar) as report_type,
        cast(judgements.grade_as_worded as varchar) as grade_as_worded,
        cast(judgements.statement_count as integer) as statement_count,
        cast(judgements.distinct_grade_count as integer) as distinct_grade_count,
        cast(judgements.grades_stated as varchar) as grades_stated,
        cast(judgements.page_number as integer) as page_number,
        cast(judgements.evidence as varchar) as evidence,
        cast(inspections.report_date as date) as report_date

    from judgements
    inner join inspections
        on judgements.report_id = inspections.report_id

)

select * from final
