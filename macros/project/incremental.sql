{#-
    Incremental helpers shared by the staging models.

    The cursor is `loaded_at` (when a batch landed), never device time, so rows
    that arrive days late are still picked up exactly once. A lookback window
    re-reads the last few minutes of batches; the models' keys make that
    re-read idempotent.
-#}

{% macro is_incremental_run() %}
    {#- `dbt compile --no-introspect` (the Redshift check) has no connection to
        ask whether the table exists; render the incremental branch, the SQL
        that production runs every day, so that it is the one checked. -#}
    {%- if not flags.INTROSPECT -%}
        {{ return(config.get('materialized') == 'incremental') }}
    {%- endif -%}
    {{ return(is_incremental()) }}
{% endmacro %}


{% macro loaded_since_last_run(column='loaded_at', this_column='loaded_at') -%}
    {{ column }} >= coalesce(
        (
            select {{ dbt.dateadd(
                'minute',
                -1 * var('ingestion_lookback_minutes'),
                'max(' ~ this_column ~ ')'
            ) }}
            from {{ this }}
        ),
        cast('1900-01-01' as timestamp)
    )
{%- endmacro %}


{#-
    The two CTEs every "re-decide what changed" model starts with: the keys
    that got a new input row since the last run, then the input rows of those
    keys (all of them, old and new, so the key is re-decided from its full
    history). On a full build the second CTE is the whole input.
-#}
{% macro touched_key_ctes(input_cte, key, cursor_column, touched_cte, output_cte) -%}
{% if is_incremental_run() %}
{{ touched_cte }} as (

    select distinct {{ key }}
    from {{ input_cte }}
    where {{ loaded_since_last_run('loaded_at', cursor_column) }}

),

{% endif %}
{{ output_cte }} as (

    select {{ input_cte }}.*
    from {{ input_cte }}
    {% if is_incremental_run() %}
        inner join {{ touched_cte }}
            on {{ input_cte }}.{{ key }} = {{ touched_cte }}.{{ key }}
    {% endif %}

)
{%- endmacro %}
