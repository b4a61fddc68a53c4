{#-
    dbt-expectations' test of the same name: the combination of the columns in
    column_list is unique. Rows where every listed column is null are ignored
    (ignore_row_if='all_values_are_missing', the default) or, with
    'any_value_is_missing', rows with any null are ignored.
-#}
{% test expect_compound_columns_to_be_unique(
    model,
    column_list,
    ignore_row_if='all_values_are_missing',
    row_condition=none,
    check_kind=none
) %}
{{ config(severity=synapse.check_severity(check_kind or 'integrity')) }}
{%- set joiner = ' and ' if ignore_row_if == 'any_value_is_missing' else ' or ' -%}
{%- set present = [] -%}
{%- for column in column_list -%}
    {%- do present.append(column ~ ' is not null') -%}
{%- endfor -%}
with

checked as (

    select {{ column_list | join(', ') }}
    from {{ model }}
    where ({{ present | join(joiner) }})
    {%- if row_condition %}
        and ({{ row_condition }})
    {%- endif %}

)

select
    {{ column_list | join(', ') }},
    count(*) as row_count
from checked
group by {{ column_list | join(', ') }}
having count(*) > 1
{% endtest %}
