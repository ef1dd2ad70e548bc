{#
    Fails for every value of `column_name` that is not a value of `field` in `to`: the warehouse's value
    lists (report types, judgement areas, timescales...) live in seeds (seeds/vocabulary/, grade_scale),
    and the models' columns are checked against them instead of repeating the values in YAML. The Great
    Expectations suites read the same seeds (orchestration/lib/core/vocabulary.py). `to_condition`, when
    given, keeps only the list's rows that match it (e.g. "fact_table = 'fct_visits'"). Nulls pass.
#}
{% test in_value_list(model, column_name, to, field, to_condition=none) %}

with listed as (
    select {{ field }} as value
    from {{ to }}
    where {{ field }} is not null
    {% if to_condition %}and ({{ to_condition }}){% endif %}
)

select
    checked.{{ column_name }} as unlisted_value,
    count(*) as occurrence_count
from {{ model }} as checked
where checked.{{ column_name }} is not null
    and not exists (select 1 from listed where listed.value = checked.{{ column_name }})
group by checked.{{ column_name }}

{% endtest %}
