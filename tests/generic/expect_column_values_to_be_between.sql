{#-
    dbt-expectations' test of the same name and arguments: every value of the
    column (optionally only rows matching row_condition) lies within
    [min_value, max_value] (exclusive bounds when strictly). Nulls pass.
-#}
{% test expect_column_values_to_be_between(
    model,
    column_name,
    min_value=none,
    max_value=none,
    row_condition=none,
    strictly=false,
    check_kind=none
) %}
{{ config(severity=synapse.check_severity(check_kind or 'integrity')) }}
{%- if min_value is none and max_value is none -%}
    {{ exceptions.raise_compiler_error(
        "expect_column_values_to_be_between needs min_value or max_value"
    ) }}
{%- endif -%}
{%- set lower = '>' if strictly else '>=' -%}
{%- set upper = '<' if strictly else '<=' -%}
with

checked as (

    select {{ column_name }} as checked_value
    from {{ model }}
    where {{ column_name }} is not null
    {%- if row_condition %}
        and ({{ row_condition }})
    {%- endif %}

)

select checked_value
from checked
where not (
    1 = 1
    {%- if min_value is not none %}
        and checked_value {{ lower }} {{ min_value }}
    {%- endif %}
    {%- if max_value is not none %}
        and checked_value {{ upper }} {{ max_value }}
    {%- endif %}
)
{% endtest %}
