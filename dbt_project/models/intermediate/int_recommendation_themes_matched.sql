-- One row per recommendation and theme of the taxonomy (seeds/recommendation_theme_phrases.csv) that
-- one or more of the theme's phrases match in the recommendation's text, with the phrases that matched.
-- A recommendation that no phrase matches gets the single theme 'other', with no phrase.
-- A table, not a view: three models and a test read it, and matching is the costly part of the build.
{{ config(materialized='table') }}

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
        {{ theme_phrase_pattern('trim(phrase)') }} as phrase_pattern,
        -- the phrase up to its first '*': text that any match contains, tested before the pattern
        split_part({{ theme_match_text('trim(phrase)') }}, '*', 1) as phrase_literal

    from {{ ref('recommendation_theme_phrases') }}

),

-- Pairs whose text contains the phrase's literal part: a cheap test that narrows some 165,000 pairs to
-- about 2,000 before each is tried against its pattern (a pattern compiles once per pair). Materialised
-- so that the pattern test is not merged into the join and run on every pair.
candidates as materialized (

    select
        recommendations.report_id,
        recommendations.recommendation_number,
        recommendations.match_text,
        phrases.theme,
        phrases.phrase,
        phrases.phrase_pattern

    from recommendations
    inner join phrases
        on contains(recommendations.match_text, phrases.phrase_literal)

),

phrase_matches as (

    select
        report_id,
        recommendation_number,
        theme,
        phrase

    from candidates
    where regexp_matches(match_text, phrase_pattern)

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
        where
            phrase_matches.report_id = recommendations.report_id
            and phrase_matches.recommendation_number = recommendations.recommendation_number
    )

)

select * from themes
union all
select * from unmatched
