-- Every code in dim_local_authorities.successor_ids must itself be an authority in the dimension; the
-- predecessor matching of fct_visits.preceding_inspection_id relies on it.
with

successors as (

    select
        local_authority_id,
        trim(unnest(string_split(successor_ids, ';'))) as successor_id

    from {{ ref('dim_local_authorities') }}
    where successor_ids is not null

)

select successors.*
from successors
left join {{ ref('dim_local_authorities') }} as authorities
    on successors.successor_id = authorities.local_authority_id
where authorities.local_authority_id is null
