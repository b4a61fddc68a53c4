{#-
    dbt-expectations' test of the same name, for date_part='day' and
    interval 1: every day from test_start_date (default: the column's
    earliest date) to test_end_date (default: its latest) has at least one
    row. Fails with one row per gap: the day before and after it and the
    missing days. row_condition filters rows first.
-#}
{% test expect_row_values_to_have_data_for_every_n_datepart(
    model,
    date_col,
    date_part='day',
    interval=none,
    row_condition=none,
    test_start_date=none,
    test_end_date=none,
    check_kind=none
) %}
{{ config(severity=synapse.check_severity(check_kind or 'business_rule')) }}
{%- if date_part != 'day' or interval not in (none, 1) -%}
    {{ exceptions.raise_compiler_error(
        "expect_row_values_to_have_data_for_every_n_datepart supports "
        ~ "date_part='day' with interval 1 only") }}
{%- endif -%}
with

present as (

    select distinct cast({{ date_col }} as date) as present_date
    from {{ model }}
    where
        {{ date_col }} is not null
        {%- if row_condition %}
            and ({{ row_condition }})
        {%- endif %}

),

bounded as (

    {#- The window's ends count as present (as sentinels), so a gap at
        either end shows as a gap. -#}
    select present_date from present
    {%- if test_start_date or test_end_date %}
        where
            1 = 1
            {%- if test_start_date %}
                and present_date >= cast('{{ test_start_date }}' as date)
            {%- endif %}
            {%- if test_end_date %}
                and present_date <= cast('{{ test_end_date }}' as date)
            {%- endif %}
    {%- endif %}
    {%- if test_start_date %}
        union
        select {{ synapse.add_days("cast('" ~ test_start_date ~ "' as date)", -1) }}
    {%- endif %}
    {%- if test_end_date %}
        union
        select {{ synapse.add_days("cast('" ~ test_end_date ~ "' as date)", 1) }}
    {%- endif %}

),

gaps as (

    select
        present_date as date_before_gap,
        lead(present_date) over (order by present_date) as date_after_gap
    from bounded

)

select
    date_before_gap,
    date_after_gap,
    {{ dbt.datediff('date_before_gap', 'date_after_gap', 'day') }} - 1 as missing_days
from gaps
where {{ dbt.datediff('date_before_gap', 'date_after_gap', 'day') }} > 1
{% endtest %}
