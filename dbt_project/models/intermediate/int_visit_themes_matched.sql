-- One row per focused visit letter whose statement of focus names a theme of seeds/visit_theme_phrases.csv:
-- the theme whose phrase comes first in that statement, with the phrase. A letter states its main focus
-- first ("the 'front door' ... and thresholds for children in need"), so the first theme named is the
-- visit's. Two phrases starting at the same place (one inside the other) resolve to the longer phrase,
-- then to the theme first in alphabetical order, so the choice is deterministic.
-- The statement is the parser's 'visit_focus' evidence: the sentences saying what the visit looked at, or,
-- for a letter stating none (the 2020-21 visits under the COVID-19 arrangements), its opening paragraphs.

with

focus_statements as (

    select
        evidence.report_id,
        {{ theme_match_text('evidence.field_value') }} as match_text

    from {{ ref('stg_extracted__evidence') }} as evidence
    inner join {{ ref('stg_extracted__reports') }} as reports
        on evidence.report_id = reports.report_id
    where
        evidence.field_name = 'visit_focus'
        and reports.report_type = 'focused_visit'
        and evidence.field_value is not null

),

phrases as (

    select
        trim(theme) as theme,
        trim(phrase) as phrase,
        {{ theme_phrase_pattern('trim(phrase)') }} as phrase_pattern

    from {{ ref('visit_theme_phrases') }}

),

phrase_matches as (

    select
        focus_statements.report_id,
        phrases.theme,
        phrases.phrase,
        -- characters before the phrase's first match
        length(regexp_extract(focus_statements.match_text, '^(.*?)' || phrases.phrase_pattern, 1)) as match_position

    from focus_statements
    inner join phrases
        on regexp_matches(focus_statements.match_text, phrases.phrase_pattern)

)

select
    report_id,
    theme as visit_theme,
    phrase as matched_phrase,
    match_position

from phrase_matches
qualify row_number() over (
    partition by report_id
    order by match_position asc, length(phrase) desc, theme
) = 1
