with

source as (

    select * from {{ source('extracted', 'findings') }}

),

renamed as (

    select
        report_id,
        finding_number,
        nullif(trim(finding_kind), '') as finding_kind,
        nullif(trim(heading), '') as heading,
        finding_text,
        page_number,
        evidence

    from source

)

select * from renamed
