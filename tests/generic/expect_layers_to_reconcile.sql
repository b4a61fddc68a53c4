{#-
    Reconciliation between layers: measures computed on the model (e.g. a
    mart) equal the same measures computed on compare_model (e.g. the
    staging model it is built from), overall or per group, within an
    absolute tolerance. Counts and sums survive the trip through the
    layers, so a join that drops or fans out rows fails the build.

        - expect_layers_to_reconcile:
            arguments:
              compare_model: ref('int_assistant_responses_filtered')
              group_by: [response_date]
              compare_group_by: [response_date]
              measures:
                - {name: responses, expression: sum(responses), compare_expression: count(*)}

    Fails with one row per group and measure that differ; a group present
    on one side only compares with 0.
-#}
{% test expect_layers_to_reconcile(
    model,
    compare_model,
    measures,
    group_by=none,
    compare_group_by=none,
    row_condition=none,
    compare_row_condition=none,
    tolerance=0,
    check_kind=none
) %}
{{ config(severity=synapse.check_severity(check_kind or 'integrity')) }}
{%- set groups = group_by or [] -%}
{%- set compare_groups = compare_group_by or groups -%}
{%- if groups | length != compare_groups | length -%}
    {{ exceptions.raise_compiler_error(
        "expect_layers_to_reconcile: group_by and compare_group_by need the "
        ~ "same number of columns") }}
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
{% endtest %}
