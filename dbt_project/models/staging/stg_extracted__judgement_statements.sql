with

source as (

    select * from {{ source('extracted', 'judgement_statements') }}

),

renamed as (

    select
        report_id,
        nullif(trim(judgement_area), '') as judgement_area,
        statement_kind,
        grade as grade_as_worded,
        page_number,
        evidence

    from source

)

select * from renamed
