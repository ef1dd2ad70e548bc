{#
    The form in which recommendation texts and taxonomy phrases are compared
    (seeds/recommendation_theme_phrases.csv): lower case; apostrophes dropped, so "children's" and
    "childrens" are one word; hyphens, dashes, slashes and whitespace runs become one space, so
    "pre-proceedings", "pre- proceedings" and "pre proceedings" are the same phrase.
#}
{% macro theme_match_text(column) -%}
    trim(regexp_replace(
        regexp_replace(lower({{ column }}), '[''\x{2018}\x{2019}`]', '', 'g'),
        '[\s\-\x{2010}-\x{2014}/]+', ' ', 'g'
    ))
{%- endmacro %}

{#
    The regular expression a taxonomy phrase becomes: its words matched whole (\b on both sides, so the
    phrase 'plan' never matches 'explanation'), and a '*' at the end of a word standing for any further
    letters ('assessment*' matches 'assessment' and 'assessments').
#}
{% macro theme_phrase_pattern(column) -%}
    '\b' || replace(regexp_escape({{ theme_match_text(column) }}), '\*', '\w*') || '\b'
{%- endmacro %}
