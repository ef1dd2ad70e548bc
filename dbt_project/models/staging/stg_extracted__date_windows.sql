with

source as (

    select * from {{ source('extracted', 'date_windows') }}

),

renamed as (

    select
        report_id,
        window_number,
        start_date as window_start_date,
        end_date as window_end_date

    from source

)

select * from renamed
