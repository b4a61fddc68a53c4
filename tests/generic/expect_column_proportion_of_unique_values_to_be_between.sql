{#-
    dbt-expectations' test of the same name and arguments: distinct values /
    rows of the column (nulls count as rows, not as values) lies within
    [min_value, max_value] (exclusive when strictly), overall or per
    group_by; row_condition filters rows first.
-#}
{% test expect_column_proportion_of_unique_values_to_be_between(
    model,
    column_name,
    min_value=none,
    max_value=none,
    group_by=none,
    row_condition=none,
    strictly=false,
    check_kind=none
) %}
{{ config(severity=synapse.check_severity(check_kind or 'business_rule')) }}
{%- if min_value is none and max_value is none -%}
    {{ exceptions.raise_compiler_error(
        "expect_column_proportion_of_unique_values_to_be_between needs "
        ~ "min_value or max_value") }}
{%- endif -%}
{%- set groups = group_by or [] -%}
{%- set lower = '>' if strictly else '>=' -%}
{%- set upper = '<' if strictly else '<=' -%}
with

grouped as (

    select
        {% for column in groups %}{{ column }}, {% endfor %}
        {{ synapse.safe_divide(
            'count(distinct ' ~ column_name ~ ')', 'count(*)'
        ) }} as unique_proportion
    from {{ model }}
    {%- if row_condition %}
        where {{ row_condition }}
    {%- endif %}
    {% if groups %}group by {{ groups | join(', ') }}{% endif %}

)

select *
from grouped
where not (
    1 = 1
    {%- if min_value is not none %}
        and unique_proportion {{ lower }} {{ min_value }}
    {%- endif %}
    {%- if max_value is not none %}
        and unique_proportion {{ upper }} {{ max_value }}
    {%- endif %}
)
{% endtest %}
