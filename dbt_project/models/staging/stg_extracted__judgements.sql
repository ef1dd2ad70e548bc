with

source as (

    select * from {{ source('extracted', 'judgements') }}

),

renamed as (

    select
        report_id,
        nullif(trim(judgement_area), '') as judgement_area,
        -- as worded in the report; normalised through seeds/grade_scale.csv in int_judgements_normalised
        grade as grade_as_worded,
        statement_count,
        distinct_grade_count,
        grades_stated,
        page_number,
        evidence

    from source

)

select * from renamed
