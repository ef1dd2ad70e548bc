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
        -- the Children's Social Care National Framework cross-reference an item ends with, read by the parser
        {{ column_or_null(source('extracted', 'recommendations'), 'national_framework_kind', 'varchar') }},
        {{ column_or_null(source('extracted', 'recommendations'), 'national_framework_number', 'integer') }},
        {{ column_or_null(source('extracted', 'recommendations'), 'national_framework_as_written', 'varchar') }}

    from source

)

select * from renamed
