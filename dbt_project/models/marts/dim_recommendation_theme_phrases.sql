-- The theme taxonomy as published: one row per theme and phrase of seeds/recommendation_theme_phrases.csv,
-- with how many loaded recommendations the phrase matches.
with

phrases as (

    select * from {{ ref('recommendation_theme_phrases') }}

),

recommendation_themes as (

    select * from {{ ref('fct_recommendation_themes') }}

),

phrase_use as (

    select
        theme,
        phrase,
        count(distinct recommendation_id) as recommendation_count

    from (
        select
            theme,
            recommendation_id,
            unnest(string_split(matched_phrases, '; ')) as phrase

        from recommendation_themes
        where matched_phrases is not null
    ) as matched
    group by theme, phrase

),

final as (

    select
        cast(trim(phrases.theme) as varchar) as theme,
        cast(trim(phrases.phrase) as varchar) as phrase,
        cast(nullif(trim(phrases.note), '') as varchar) as note,
        cast(coalesce(phrase_use.recommendation_count, 0) as integer) as recommendation_count

    from phrases
    left join phrase_use
        on
            trim(phrases.theme) = phrase_use.theme
            and trim(phrases.phrase) = phrase_use.phrase

)

select * from final
