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
{#- Counts are exact: the factor applies to compare_model's count. -#}
{{ synapse.reconcile_measures_sql(
    'expect_table_row_count_to_equal_other_table', model, compare_model,
    [{
        'name': 'row_count',
        'expression': 'count(*)',
        'compare_expression': 'count(*) * ' ~ factor,
    }],
    group_by, compare_group_by, row_condition, compare_row_condition
) }}
{% endtest %}
