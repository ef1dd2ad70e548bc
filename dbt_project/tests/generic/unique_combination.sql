{#
    Fails for every combination of `columns` that occurs more than once (a composite key check).
    Rows where any of the columns is null are ignored; pair with not_null tests where nulls matter.
#}
{% test unique_combination(model, columns) %}

with keyed as (
    select {{ columns | join(', ') }}
    from {{ model }}
    where {% for column in columns %}{{ column }} is not null{% if not loop.last %} and {% endif %}{% endfor %}
)

select
    {{ columns | join(', ') }},
    count(*) as occurrence_count
from keyed
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
