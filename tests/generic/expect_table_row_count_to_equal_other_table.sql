{#-
    dbt-expectations' test of the same name and arguments: the model has
    `factor` times as many rows as compare_model, overall or per group
    (group_by on the model, compare_group_by on compare_model, same order).
    row_condition / compare_row_condition filter each side first. Fails with
    one row per group whose counts differ (a group missing on one side
    counts 0 there).
-#}
{% test expect_table_row_count_to_equal_other_table(
    model,
    compare_model,
    group_by=none,
    compare_group_by=none,
    factor=1,
    row_condition=none,
    compare_row_condition=none,
    check_kind=none
) %}
{{ config(severity=synapse.check_severity(check_kind or 'integrity')) }}
{%- set groups = group_by or [] -%}
{%- set compare_groups = compare_group_by or groups -%}
{%- if groups | length != compare_groups | length -%}
    {{ exceptions.raise_compiler_error(
        "expect_table_row_count_to_equal_other_table: group_by and "
        ~ "compare_group_by need the same number of columns") }}
{%- endif -%}
with

counted as (

    select
        {% for column in groups -%}
            {{ column }} as group_{{ loop.index }},
        {% endfor -%}
        count(*) as row_count
    from {{ model }}
    {%- if row_condition %}
        where {{ row_condition }}
    {%- endif %}
    {% if groups %}group by {{ groups | join(', ') }}{% endif %}

),

compared as (

    select
        {% for column in compare_groups -%}
            {{ column }} as group_{{ loop.index }},
        {% endfor -%}
        count(*) as row_count
    from {{ compare_model }}
    {%- if compare_row_condition %}
        where {{ compare_row_condition }}
    {%- endif %}
    {% if compare_groups %}group by {{ compare_groups | join(', ') }}{% endif %}

),

joined as (

    select
        {% for column in groups -%}
            coalesce(counted.group_{{ loop.index }}, compared.group_{{ loop.index }})
            as group_{{ loop.index }},
        {% endfor -%}
        coalesce(counted.row_count, 0) as row_count,
        coalesce(compared.row_count, 0) * {{ factor }} as expected_row_count
    from counted
    full outer join compared
        on
        {%- for column in groups %}
            counted.group_{{ loop.index }} = compared.group_{{ loop.index }} and
        {%- endfor %}
            1 = 1

)

select *
from joined
where row_count != expected_row_count
{% endtest %}
