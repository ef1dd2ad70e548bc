-- One row per recommendation and theme of the taxonomy (seeds/recommendation_theme_phrases.csv) that
-- one or more of the theme's phrases match in the recommendation's text, with the phrases that matched.
-- A recommendation that no phrase matches gets the single theme 'other', with no phrase.
with

recommendations as (

    select
        report_id,
        recommendation_number,
        {{ theme_match_text('recommendation_text') }} as match_text

    from {{ ref('stg_extracted__recommendations') }}

),

phrases as (

    select
        trim(theme) as theme,
        trim(phrase) as phrase,
        {{ theme_phrase_pattern('trim(phrase)') }} as phrase_pattern

    from {{ ref('recommendation_theme_phrases') }}

),

phrase_matches as (

    select
        recommendations.report_id,
        recommendations.recommendation_number,
        phrases.theme,
        phrases.phrase

    from recommendations
    inner join phrases
        on regexp_matches(recommendations.match_text, phrases.phrase_pattern)

),

themes as (

    select
        report_id,
        recommendation_number,
        theme,
        string_agg(distinct phrase, '; ' order by phrase) as matched_phrases,
        count(distinct phrase) as matched_phrase_count,
        false as is_fallback

    from phrase_matches
    group by report_id, recommendation_number, theme

),

unmatched as (

    select
        recommendations.report_id,
        recommendations.recommendation_number,
        'other' as theme,
        cast(null as varchar) as matched_phrases,
        0 as matched_phrase_count,
        true as is_fallback

    from recommendations
    where not exists (
        select 1 from phrase_matches
        where phrase_matches.report_id = recommendations.report_id
          and phrase_matches.recommendation_number = recommendations.recommendation_number
    )

)

select * from themes
union all
select * from unmatched
