-- One row per authority and statistical neighbour, nearest first: dim_local_authorities.statistical_neighbours
-- as a bridge table, for BI tools that read no list columns.
with

authorities as (

    select * from {{ ref('dim_local_authorities') }}

),

neighbours as (

    select
        local_authority_id,
        local_authority_name,
        unnest(statistical_neighbours) as neighbour_id,
        generate_subscripts(statistical_neighbours, 1) as neighbour_rank

    from authorities
    where statistical_neighbours is not null

),

final as (

    select
        cast(neighbours.local_authority_id as varchar) as local_authority_id,
        cast(neighbours.neighbour_rank as integer) as neighbour_rank,
        cast(neighbours.neighbour_id as varchar) as neighbour_id,
        cast(neighbour.local_authority_name as varchar) as neighbour_name,
        cast(neighbours.local_authority_name as varchar) as local_authority_name

    from neighbours
    left join authorities as neighbour
        on neighbours.neighbour_id = neighbour.local_authority_id

)

select * from final
