{#
    The relationships test for a list column: fails for every element of `column_name` (a list) that is
    not a value of `field` in `to`. Null lists pass.
#}
{% test list_relationships(model, column_name, to, field) %}

with elements as (
    select unnest({{ column_name }}) as element
    from {{ model }}
    where {{ column_name }} is not null
)

select elements.element
from elements
left join {{ to }} as parent
    on elements.element = parent.{{ field }}
where parent.{{ field }} is null

{% endtest %}
