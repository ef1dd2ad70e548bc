with

source as (

    select * from {{ source('extracted', 'recommendations') }}

),

renamed as (

    select
        report_id,
        recommendation_number,
        nullif(trim(timescale), '') as timescale,
        nullif(trim(addressed_to), '') as addressed_to,
        is_priority,
        recommendation_text,
        page_number,
        evidence,
        nullif(trim(national_framework_kind), '') as national_framework_kind,
        national_framework_number,
        nullif(trim(national_framework_as_written), '') as national_framework_as_written

    from source

)

select * from renamed
