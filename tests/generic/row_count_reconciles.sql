{#-
    Conservation law: the rows of `model` (a raw source) equal the sum of the
    rows of `parts`, each a relation with an optional `where` filter. Fails
    so nothing can vanish between raw and staging without a red build.

    With `batch_column` (the landing time every part carries, `loaded_at`),
    the law is checked per landing batch and each failing row names the
    batch, its raw and accounted row counts, and what to do; without it, one
    row with both totals.

        data_tests:
          - row_count_reconciles:
              arguments:
                batch_column: loaded_at
                parts:
                  - {relation: ref('stg_x'), where: "is_valid"}
                  - {relation: ref('stg_x_quarantine')}
-#}
{% test row_count_reconciles(model, parts, batch_column=none) %}
{%- set batch = synapse.landing_batch_key(batch_column if batch_column else 'null') -%}
{%- set models = [] -%}
{%- for part in parts -%}
    {%- do models.append(part['relation'].identifier) -%}
{%- endfor -%}
with

source_rows as (

    select
        {{ batch }} as batch_key,
        count(*) as row_count
    from {{ model }}
    {% if batch_column %}group by {{ batch }}{% endif %}

),

part_rows as (

    {% for part in parts -%}
        select
            {{ batch }} as batch_key,
            count(*) as row_count
        from {{ part['relation'] }}
        {%- if part.get('where') %} where {{ part['where'] }}{% endif %}
        {% if batch_column %}group by {{ batch }}{% endif %}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

accounted as (

    select
        batch_key,
        sum(row_count) as row_count
    from part_rows
    group by batch_key

),

compared as (

    select
        coalesce(source_rows.batch_key, accounted.batch_key) as batch_key,
        coalesce(source_rows.row_count, 0) as source_row_count,
        coalesce(accounted.row_count, 0) as accounted_row_count
    from source_rows
    full outer join accounted
        on source_rows.batch_key = accounted.batch_key

),

final as (

    select
        batch_key,
        source_row_count,
        accounted_row_count,
        {{ sql_string_literal(
            'raw rows of this landing batch (' ~ (batch_column or 'all') ~ ') are '
            ~ 'not all staged, quarantined or counted as duplicates: run '
            ~ '`dbt build --select ' ~ models | join(' ') ~ '`; if the counts '
            ~ 'still differ, rebuild them with --full-refresh and report the '
            ~ 'batch (README: Quarantine and replay)'
        ) }} as what_to_do
    from compared
    where source_row_count != accounted_row_count

)

select * from final
{% endtest %}
