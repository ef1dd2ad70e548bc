with

source as (

    select * from {{ source('audit', 'source_catalogue') }}

),

renamed as (

    select
        ofsted_urn,
        local_authority_id,
        kind as publication_kind,
        publication_date,
        url as source_url,
        file_id,
        first_seen_at,
        last_seen_at,
        status as catalogue_status,
        status_reason,
        source_file,
        source_sha256,
        document_kind,
        listed_authority_name,
        final_url,
        document_authority_id

    from source

)

select * from renamed
