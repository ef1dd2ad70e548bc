{{ config(severity='warn', meta={'dagster': {'asset_key': ['marts', 'fct_recommendation_themes']}}) }}
-- Warns (one row, with the share) when more than var('max_other_theme_share') of the recommendations match
-- no phrase of the theme taxonomy and fall back to 'other': the taxonomy needs new phrases.
with

recommendations as (

    select
        recommendation_id,
        bool_or(is_fallback_theme) as is_other

    from {{ ref('fct_recommendation_themes') }}
    group by recommendation_id

),

share as (

    select
        count(*) as recommendation_count,
        count(*) filter (where is_other) as other_count,
        count(*) filter (where is_other) / count(*) as other_share

    from recommendations

)

select * from share
where
    recommendation_count > 0
    and other_share > {{ var('max_other_theme_share') }}
