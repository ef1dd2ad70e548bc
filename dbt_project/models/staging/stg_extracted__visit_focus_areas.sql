with

source as (

    select * from {{ source('extracted', 'visit_focus_areas') }}

),

renamed as (

    select
        report_id,
        area_number,
        area_text,
        page_number

    from source

)

select * from renamed
