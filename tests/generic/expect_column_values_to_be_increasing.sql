{#-
    dbt-expectations' test of the same name and arguments: ordered by
    sort_column (within each group_by group), every value is greater than
    the previous one (or equal, when strictly is false). Nulls skipped;
    row_condition filters rows first.
-#}
{% test expect_column_values_to_be_increasing(
    model,
    column_name,
    sort_column=none,
    strictly=true,
    group_by=none,
    row_condition=none,
    check_kind=none
) %}
{{ config(severity=synapse.check_severity(check_kind or 'business_rule')) }}
{%- set sort_by = sort_column or column_name -%}
{%- set groups = group_by or [] -%}
with

ordered as (

    select
        {% for column in groups %}{{ column }}, {% endfor %}
        {{ sort_by }} as sort_value,
        {{ column_name }} as checked_value,
        lag({{ column_name }}) over (
            {% if groups %}partition by {{ groups | join(', ') }}{% endif %}
            order by {{ sort_by }}
        ) as previous_value
    from {{ model }}
    where
        {{ column_name }} is not null
        {%- if row_condition %}
            and ({{ row_condition }})
        {%- endif %}

)

select *
from ordered
where
    previous_value is not null
    and not (checked_value {{ '>' if strictly else '>=' }} previous_value)
{% endtest %}
