-- Ofsted's official statistics of inspections and visits, one row per event. Grades stay as the statistics
-- print them; fct_official_reconciliation reads them through seeds/grade_scale.csv like a report's grades.
with

source as (

    select * from {{ ref('official_outcomes') }}

),

renamed as (

    select
        official_event_id,
        local_authority_id,
        local_authority_name as local_authority_name_in_statistics,
        ofsted_urn,
        framework,
        publication_date,
        inspection_or_visit_date,
        visit_theme,
        {% for area in reconciled_judgement_areas() -%}
        -- "-" is how the statistics print "not judged"
            case when trim({{ area }}) = '-' then 'Not judged' else nullif(trim({{ area }}), '') end as {{ area }},
        {% endfor -%}
        safeguarding_overall_effectiveness,
        looked_after_children_overall_effectiveness,
        source as statistics_source

    from source

)

select * from renamed
