{#
    A source column when the table has it, else a typed null under the same name: lets a staging model read
    a column that a newer writer of the table adds, over a warehouse whose table predates it.
#}
{% macro column_or_null(relation, column, data_type) -%}
    {%- set present = [] -%}
    {%- if execute -%}
        {%- for existing in adapter.get_columns_in_relation(relation) -%}
            {%- if existing.name | lower == column | lower -%}{%- do present.append(existing.name) -%}{%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if present -%}{{ column }}{%- else -%}cast(null as {{ data_type }}) as {{ column }}{%- endif -%}
{%- endmacro %}
