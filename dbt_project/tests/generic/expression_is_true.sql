{#
    Fails for every row where `expression` is false. A row where it evaluates to null passes: the
    expressions compare values that may be unknown (a date the document does not state).
#}
{% test expression_is_true(model, expression) %}

select *
from {{ model }}
where not ({{ expression }})

{% endtest %}
