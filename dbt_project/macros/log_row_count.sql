{#
    Post-hook of every model and seed (dbt_project.yml): prints how many rows the relation just built
    holds, as "rows in <schema>.<name>: <count>". The Dagster step reads it from dbt's log and shows it
    as the asset's row count; the warehouse file cannot be queried from outside while dbt holds it.
#}
{% macro log_row_count() -%}
    {%- if execute -%}
        {%- set counted = run_query('select count(*) from ' ~ this) -%}
        {%- set rows = counted.columns[0].values()[0] -%}
        {%- do log('rows in ' ~ this.schema ~ '.' ~ this.identifier ~ ': ' ~ rows, info=True) -%}
    {%- endif -%}
{%- endmacro %}
