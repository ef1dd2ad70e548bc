with

source as (

    select * from {{ source('extracted', 'evidence') }}

),

renamed as (

    select
        report_id,
        field_name,
        field_value,
        page_number,
        evidence

    from source

)

select * from renamed
