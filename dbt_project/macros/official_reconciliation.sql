{#
    The judgement areas fct_official_reconciliation compares: every area code of the warehouse contract,
    each a column of seeds/official_outcomes.csv. The statistics' two 2009-12 areas
    (safeguarding_overall_effectiveness, looked_after_children_overall_effectiveness) have no counterpart
    in the reports the warehouse reads, so they are not compared.
#}
{% macro reconciled_judgement_areas() -%}
    {{ return([
        'overall_effectiveness',
        'impact_of_leaders',
        'help_and_protection',
        'children_in_care',
        'children_in_care_and_care_leavers',
        'care_leavers',
        'adoption',
        'leadership_management_governance',
        'lscb',
        'capacity_to_improve',
        'outcomes_for_looked_after_children',
        'quality_of_provision',
        'leadership_and_management',
        'quality_of_practice',
        'leadership_and_governance',
    ]) }}
{%- endmacro %}

{#
    How many days apart an official event and a report may be dated and still be the same event. Ofsted's
    statistics and the reports give the same publication day or first day of inspection in almost every
    case; 21 days leaves room for a date misprinted by a few days or a report republished shortly after,
    while events of one kind for one authority are months or years apart.
#}
{% macro reconciliation_tolerance_days() -%}
    {{ return(21) }}
{%- endmacro %}

{#
    How long after the last day of an inspection the statistics' publication date may fall, for a report
    that prints no publication date of an event the statistics give no inspection date (a SIF inspection,
    an LSCB review): Ofsted publishes a report some 3 to 19 weeks after the inspection ends (18 to 133 days
    over the reports of ../shared/archive), and one authority's inspections of one kind are years apart.
#}
{% macro reconciliation_publication_window_days() -%}
    {{ return(150) }}
{%- endmacro %}
