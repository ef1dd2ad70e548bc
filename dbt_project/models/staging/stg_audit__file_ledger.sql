with

source as (

    select * from {{ source('audit', 'file_ledger') }}

),

renamed as (

    select
        source_file,
        source_sha256,
        size_bytes,
        media_kind,
        status as file_status,
        status_reason,
        report_id,
        first_seen_at,
        extracted_at,
        last_seen_at,
        coalesce(is_present, false) as is_present

    from source

)

select * from renamed
