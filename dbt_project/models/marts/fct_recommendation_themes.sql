-- One row per recommendation and theme. Themes come from the phrase taxonomy in
-- seeds/recommendation_theme_phrases.csv (see int_recommendation_themes_matched); matched_phrases says
-- which of the theme's phrases the recommendation's text contains.
with

recommendations as (

    select * from {{ ref('fct_recommendations') }}

),

themes as (

    select * from {{ ref('int_recommendation_themes_matched') }}

),

final as (

    select
        cast(recommendations.recommendation_id || ':' || themes.theme as varchar) as recommendation_theme_id,
        cast(recommendations.recommendation_id as varchar) as recommendation_id,
        cast(recommendations.report_id as varchar) as report_id,
        cast(recommendations.local_authority_id as varchar) as local_authority_id,
        cast(themes.theme as varchar) as theme,
        cast(themes.matched_phrases as varchar) as matched_phrases,
        cast(themes.matched_phrase_count as integer) as matched_phrase_count,
        cast(themes.is_fallback as boolean) as is_fallback_theme

    from themes
    inner join recommendations
        on
            themes.report_id = recommendations.report_id
            and themes.recommendation_number = recommendations.recommendation_number

)

select * from final
