{#-
    Completeness: the share of rows whose value is present (not null, not
    blank text, and not one of missing_values, e.g. ['unknown', 0]) is at
    least min_share, overall or per group_by; row_condition filters rows.
    Fails with the groups below the threshold, and their share.
-#}
{% test expect_column_values_to_be_complete(
    model,
    column_name,
    min_share=1.0,
    missing_values=none,
    group_by=none,
    row_condition=none,
    check_kind=none
) %}
{{ config(severity=synapse.check_severity(check_kind or 'business_rule')) }}
{%- set groups = group_by or [] -%}
{%- set missing = [] -%}
{%- for value in missing_values or [] -%}
    {%- do missing.append(
        value if value is number else "'" ~ (value | replace("'", "''")) ~ "'"
    ) -%}
{%- endfor -%}
with

judged as (

    select
        {% for column in groups %}{{ column }}, {% endfor %}
        case
            when {{ column_name }} is null then 0
            when {{ synapse.is_blank(
                'cast(' ~ column_name ~ ' as ' ~ dbt.type_string() ~ ')'
            ) }} then 0
            {%- if missing %}
                when {{ column_name }} in ({{ missing | join(', ') }}) then 0
            {%- endif %}
            else 1
        end as is_present
    from {{ model }}
    {%- if row_condition %}
        where {{ row_condition }}
    {%- endif %}

),

shares as (

    select
        {% for column in groups %}{{ column }}, {% endfor %}
        count(*) as row_count,
        {{ synapse.safe_divide('sum(is_present)', 'count(*)') }} as present_share
    from judged
    {% if groups %}group by {{ groups | join(', ') }}{% endif %}

)

select *
from shares
where row_count > 0 and present_share < {{ min_share }}
{% endtest %}
