{#-
    Conservation law: the rows of `model` (a raw source) equal the sum of the
    rows of `parts`, each a relation with an optional `where` filter. Fails
    with one row showing both sides when they differ, so nothing can vanish
    between raw and staging without a red build.

        data_tests:
          - row_count_reconciles:
              arguments:
                parts:
                  - {relation: ref('stg_x'), where: "is_valid"}
                  - {relation: ref('stg_x_quarantine')}
-#}
{% test row_count_reconciles(model, parts) %}
with

source_rows as (

    select count(*) as row_count from {{ model }}

),

part_rows as (

    {% for part in parts -%}
        select count(*) as row_count
        from {{ part['relation'] }}
        {%- if part.get('where') %} where {{ part['where'] }}{% endif %}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

compared as (

    select
        source_rows.row_count as source_row_count,
        (select sum(row_count) from part_rows) as accounted_row_count
    from source_rows

)

select *
from compared
where source_row_count != coalesce(accounted_row_count, 0)
{% endtest %}
