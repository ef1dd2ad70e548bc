-- Every English children's services authority from the reference seed, plus any authority id a loaded
-- report carries that the seed lacks (the Python side writes an unmatched name as 'unresolved:<name>'),
-- so every fact's local_authority_id has a row here.
with

reference_authorities as (

    select * from {{ ref('stg_reference__local_authorities') }}

),

reports as (

    select * from {{ ref('int_reports_filtered_to_loaded') }}

),

unlisted_authorities as (

    select
        reports.local_authority_id,
        -- the name as a report writes it ('London Borough of Narnia') reads better than the matching key
        -- the Python side puts after 'unresolved:' ('narnia'); the key is the fallback
        coalesce(
            min(reports.local_authority_as_written),
            nullif(trim(regexp_replace(reports.local_authority_id, '^unresolved:', '')), '')
        ) as local_authority_name

    from reports
    left join reference_authorities
        on reports.local_authority_id = reference_authorities.local_authority_id
    where
        reports.local_authority_id is not null
        and reference_authorities.local_authority_id is null
    group by reports.local_authority_id

),

unioned as (

    select
        local_authority_id,
        local_authority_name,
        ofsted_region,
        is_current,
        successor_ids,
        aliases,
        valid_to,
        local_authority_status,
        true as is_in_reference,
        la_code,
        ofsted_urn,
        other_gss_codes,
        statistical_neighbours

    from reference_authorities

    union all

    select
        local_authority_id,
        local_authority_name,
        null as ofsted_region,
        null as is_current,
        null as successor_ids,
        null as aliases,
        null as valid_to,
        null as local_authority_status,
        false as is_in_reference,
        null as la_code,
        null as ofsted_urn,
        null as other_gss_codes,
        null as statistical_neighbours

    from unlisted_authorities

),

final as (

    select
        cast(local_authority_id as varchar) as local_authority_id,
        cast(local_authority_name as varchar) as local_authority_name,
        cast(ofsted_region as varchar) as ofsted_region,
        cast(is_current as boolean) as is_current,
        cast(successor_ids as varchar) as successor_ids,
        cast(aliases as varchar) as aliases,
        cast(valid_to as date) as valid_to,
        cast(local_authority_status as varchar) as local_authority_status,
        cast(is_in_reference as boolean) as is_in_reference,
        cast(la_code as varchar) as la_code,
        cast(ofsted_urn as varchar) as ofsted_urn,
        cast(other_gss_codes as varchar[]) as other_gss_codes,
        cast(statistical_neighbours as varchar[]) as statistical_neighbours

    from unioned

)

select * from final
