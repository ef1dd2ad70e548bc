{#
    The lookup key of a grade as worded in a report: lower case, whitespace runs collapsed to one space,
    surrounding spaces and a trailing full stop removed. "Requires Improvement." and
    "requires  improvement" both become "requires improvement", a key of seeds/grade_scale.csv.
#}
{% macro grade_key(column) -%}
    nullif(rtrim(trim(regexp_replace(lower({{ column }}), '\s+', ' ', 'g')), '.'), '')
{%- endmacro %}
