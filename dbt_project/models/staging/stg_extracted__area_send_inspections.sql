with

source as (

    select * from {{ source('extracted', 'area_send_inspections') }}

),

renamed as (

    select
        report_id,
        nullif(trim(partnership_name), '') as partnership_name,
        nullif(trim(integrated_care_board), '') as integrated_care_board,
        nullif(trim(outcome), '') as outcome,
        nullif(trim(next_full_inspection_within), '') as next_full_inspection_within,
        nullif(trim(monitoring_inspection_within), '') as monitoring_inspection_within,
        previous_inspection_date,
        nullif(trim(previous_inspection_text), '') as previous_inspection_text,
        framework,
        nullif(trim(not_read_reason), '') as not_read_reason

    from source

)

select * from renamed
