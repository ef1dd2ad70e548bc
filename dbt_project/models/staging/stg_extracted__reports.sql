with

source as (

    select * from {{ source('extracted', 'reports') }}

),

renamed as (

    select
        report_id,
        source_file,
        source_sha256,
        part_number,
        nullif(trim(report_type), '') as report_type,
        parser_version,
        title as report_title,
        local_authority_as_written,
        nullif(trim(local_authority_id), '') as local_authority_id,
        page_count,
        publication_date,
        nullif(trim(inspection_kind), '') as inspection_kind,
        inspection_start_date,
        inspection_end_date,
        lead_inspector,
        inspectors

    from source

)

select * from renamed
