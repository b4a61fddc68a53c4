{#- `left.c = right.c and ...` for each column name in columns, then
    `1 = 1`: a join condition on zero or more group columns. -#}
{% macro same_group_columns(left, right, columns) -%}
    {%- for column in columns %}{{ left }}.{{ column }} = {{ right }}.{{ column }} and {% endfor -%}
    1 = 1
{%- endmacro %}


{#- mad_scored_rows(pairs_relation, group_cols, ...) -> one select: per
    tested day (and group) of `pairs_relation` (one row per tested day and
    training day), its value, the training median, the MAD, the number of
    training days, the deviation from the median and the spread the
    anomaly test compares it with (the scaled MAD, floored by
    min_relative_deviation x |median| and min_absolute_deviation). Days with
    fewer than min_training_periods training days are left out. -#}
{% macro mad_scored_rows(
    pairs_relation,
    group_cols,
    min_training_periods,
    min_relative_deviation,
    min_absolute_deviation
) -%}
    {%- set group_list -%}
        {% for column in group_cols %}{{ column }}, {% endfor %}
    {%- endset -%}
    select
        *,
        metric_value - training_median as deviation,
        greatest(
            1.4826 * training_mad,
            {{ min_relative_deviation }} * abs(training_median),
            {{ min_absolute_deviation }}
        ) as spread
    from (
        select
            {% for column in group_cols %}medians.{{ column }}, {% endfor %}
            medians.metric_date,
            medians.metric_value,
            medians.training_periods,
            medians.training_median,
            {{ synapse.percentile_cont(
                0.5, 'abs(pairs.training_value - medians.training_median)'
            ) }} as training_mad
        from (
            select
                {{ group_list }}
                metric_date,
                metric_value,
                count(*) as training_periods,
                {{ synapse.percentile_cont(0.5, 'training_value') }} as training_median
            from {{ pairs_relation }}
            group by {{ group_list }} metric_date, metric_value
        ) as medians
        inner join {{ pairs_relation }} as pairs
            on
                {{ synapse.same_group_columns('medians', 'pairs', group_cols) }}
                and medians.metric_date = pairs.metric_date
        group by
            {% for column in group_cols %}medians.{{ column }}, {% endfor %}
            medians.metric_date,
            medians.metric_value,
            medians.training_periods,
            medians.training_median
    ) as spreads
    where training_periods >= {{ min_training_periods }}
{%- endmacro %}
