{#
    Custom schemas are used as written (`staging`, `intermediate`, `marts`, `reference`), without dbt's
    default `<target_schema>_` prefix: the contract fixes the schema names analysts query.
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
