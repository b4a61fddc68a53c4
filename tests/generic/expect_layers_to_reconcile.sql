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
{{ synapse.reconcile_measures_sql(
    'expect_layers_to_reconcile', model, compare_model, measures,
    group_by, compare_group_by, row_condition, compare_row_condition, tolerance
) }}
{% endtest %}
