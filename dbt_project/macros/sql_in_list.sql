{#
    Renders a list of strings as a SQL list literal: ['a', 'b'] -> ('a', 'b').
    Used with the report type lists kept in dbt_project.yml vars.
#}
{% macro sql_in_list(values) -%}
    ({%- for value in values -%}'{{ value }}'{%- if not loop.last -%}, {% endif -%}{%- endfor -%})
{%- endmacro %}
