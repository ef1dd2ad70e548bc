{#
    A ';'-separated list of codes as the reference seeds write them ('E06000061;E06000062') as a list of
    trimmed codes in the written order. Null when the cell is empty, so "not given" stays distinct from a
    list that was given.
#}
{% macro split_codes(column) -%}
    case
        when nullif(trim({{ column }}), '') is not null
            then list_filter(
                list_transform(string_split({{ column }}, ';'), lambda code: trim(code)),
                lambda code: code <> ''
            )
    end
{%- endmacro %}
