-- One row per visit letter and area it says it covered, in document order.
with

visits as (

    select * from {{ ref('fct_visits') }}

),

focus_areas as (

    select * from {{ ref('stg_extracted__visit_focus_areas') }}

),

final as (

    select
        cast(visits.visit_id as varchar) as visit_id,
        cast(focus_areas.area_number as integer) as area_number,
        cast(focus_areas.area_text as varchar) as area_text,
        cast(visits.local_authority_id as varchar) as local_authority_id,
        cast(focus_areas.page_number as integer) as page_number

    from focus_areas
    inner join visits
        on focus_areas.report_id = visits.report_id

)

select * from final
