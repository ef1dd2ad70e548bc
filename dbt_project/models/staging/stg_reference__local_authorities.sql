-- The reference list ships as a seed, so this staging model reads it with ref() rather than source().
with

source as (

    select * from {{ ref('local_authorities') }}

),

renamed as (

    select
        gss_code as local_authority_id,
        local_authority_name,
        ofsted_region,
        status as local_authority_status,
        status = 'current' as is_current,
        valid_to,
        -- ';'-separated GSS codes of the authorities that replaced an abolished one, as written
        nullif(trim(successor_gss_codes), '') as successor_ids,
        -- ';'-separated other spellings seen in Ofsted documents, as written
        nullif(trim(aliases), '') as aliases,
        nullif(trim(la_code), '') as la_code,
        nullif(trim(ofsted_urn), '') as ofsted_urn,
        -- lists, so that a reader can unnest them or test membership without parsing text
        {{ split_codes('other_gss_codes') }} as other_gss_codes,
        {{ split_codes('statistical_neighbours') }} as statistical_neighbours

    from source

)

select * from renamed
