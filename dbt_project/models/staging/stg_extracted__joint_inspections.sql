with

source as (

    select * from {{ source('extracted', 'joint_inspections') }}

),

renamed as (

    select
        report_id,
        nullif(trim(theme), '') as theme,
        nullif(trim(theme_group), '') as theme_group,
        nullif(trim(partnership_name), '') as partnership_name,
        nullif(trim(agencies), '') as agencies,
        letter_date,
        layout

    from source

)

select * from renamed
