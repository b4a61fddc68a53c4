{#-
    dbt-expectations' expect_column_pair_values_A_to_be_greater_than_B, same
    arguments: column_A > column_B on every row (>= with or_equal), rows
    with a null in either column skipped; row_condition filters rows.
-#}
{% test expect_column_pair_values_A_to_be_greater_than_B(
    model,
    column_A,
    column_B,
    or_equal=false,
    row_condition=none,
    check_kind=none
) %}
{{ config(severity=synapse.check_severity(check_kind or 'business_rule')) }}
with

checked as (

    select
        {{ column_A }} as value_a,
        {{ column_B }} as value_b
    from {{ model }}
    where
        {{ column_A }} is not null
        and {{ column_B }} is not null
        {%- if row_condition %}
            and ({{ row_condition }})
        {%- endif %}

)

select *
from checked
where not (value_a {{ '>=' if or_equal else '>' }} value_b)
{% endtest %}
