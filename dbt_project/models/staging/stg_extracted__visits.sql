with

source as (

    select * from {{ source('extracted', 'visits') }}

),

renamed as (

    select
        report_id,
        nullif(trim(visit_type), '') as visit_type,
        letter_date,
        visit_start_date,
        visit_end_date,
        visit_number,
        lead_inspector,
        inspectors,
        addressee,
        addressee_role,
        previous_inspection_year,
        progress_summary

    from source

)

select * from renamed
