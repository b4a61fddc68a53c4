{#-
    Recency of a model relative to its source, not to the wall clock: the
    latest `column_name` of the model is no more than `interval` `datepart`s
    behind the latest `compare_column` of compare_model. A rebuild of old
    history passes as long as the model kept up with its input; a model
    that stopped picking up new data fails, whatever the date today.
    row_condition / compare_row_condition filter each side. Fails with one
    row giving both latest values.
-#}
{% test expect_recency_relative_to_other_table(
    model,
    column_name,
    compare_model,
    compare_column,
    datepart='day',
    interval=0,
    row_condition=none,
    compare_row_condition=none,
    check_kind=none
) %}
{{ config(severity=synapse.check_severity(check_kind or 'integrity')) }}
with

model_latest as (

    select max({{ column_name }}) as latest_value
    from {{ model }}
    {%- if row_condition %}
        where {{ row_condition }}
    {%- endif %}

),

compare_latest as (

    select max({{ compare_column }}) as latest_compare_value
    from {{ compare_model }}
    {%- if compare_row_condition %}
        where {{ compare_row_condition }}
    {%- endif %}

),

compared as (

    select
        model_latest.latest_value,
        compare_latest.latest_compare_value
    from model_latest
    cross join compare_latest

)

select *
from compared
where
    latest_compare_value is not null
    and (
        latest_value is null
        or latest_value < {{ dbt.dateadd(
            datepart, -1 * interval, 'latest_compare_value'
        ) }}
    )
{% endtest %}
