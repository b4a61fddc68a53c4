{#-
    reconcile_measures_sql(...): the failing rows of a comparison between two
    relations. Each measure is computed on `model` (expression) and on
    `compare_model` (compare_expression), overall or per group; a group on
    one side only compares with 0. One row per group where a measure differs
    by more than `tolerance`. The body of the generic tests
    expect_layers_to_reconcile and expect_table_row_count_to_equal_other_table.
-#}
{% macro reconcile_measures_sql(
    test_name,
    model,
    compare_model,
    measures,
    group_by=none,
    compare_group_by=none,
    row_condition=none,
    compare_row_condition=none,
    tolerance=0
) %}
{%- set groups = group_by or [] -%}
{%- set compare_groups = compare_group_by or groups -%}
{%- if groups | length != compare_groups | length -%}
    {{ exceptions.raise_compiler_error(
        test_name ~ ": group_by and compare_group_by need the same number of "
        ~ "columns") }}
{%- endif -%}
with

{% for side, relation, side_groups, condition in [
    ('model_side', model, groups, row_condition),
    ('compare_side', compare_model, compare_groups, compare_row_condition),
] -%}
{{ side }} as (

    select
        {% for column in side_groups -%}
            {{ column }} as group_{{ loop.index }},
        {% endfor -%}
        {%- for measure in measures %}
            cast(
                {{ measure['expression'] if side == 'model_side'
                    else measure['compare_expression'] }} as double precision
            ) as {{ measure['name'] }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ relation }}
    {%- if condition %}
        where {{ condition }}
    {%- endif %}
    {% if side_groups %}group by {{ side_groups | join(', ') }}{% endif %}

),

{% endfor -%}

joined as (

    select
        {% for column in groups -%}
            coalesce(model_side.group_{{ loop.index }}, compare_side.group_{{ loop.index }})
            as group_{{ loop.index }},
        {% endfor -%}
        {%- for measure in measures %}
            coalesce(model_side.{{ measure['name'] }}, 0)
            as model_{{ measure['name'] }},
            coalesce(compare_side.{{ measure['name'] }}, 0)
            as compare_{{ measure['name'] }}{{ ',' if not loop.last }}
        {%- endfor %}
    from model_side
    full outer join compare_side
        on
        {%- for column in groups %}
            model_side.group_{{ loop.index }} = compare_side.group_{{ loop.index }} and
        {%- endfor %}
            1 = 1

)

select *
from joined
where
    {%- for measure in measures %}
        abs(model_{{ measure['name'] }} - compare_{{ measure['name'] }})
        > {{ tolerance }}{{ ' or' if not loop.last }}
    {%- endfor %}
{% endmacro %}
