{#-
    Helpers for metric arithmetic that must give the same number on DuckDB,
    Postgres and Redshift. The engine-specific pieces they use
    (percentile_cont, seconds_between) are in macros/cross_db/.
    Documented in _metrics__macros.yml.
-#}

{#- Numerator / denominator as double precision; null when the denominator
    is 0 or null. Casting first avoids the integer division of Postgres and
    Redshift. -#}
{% macro safe_divide(numerator, denominator) -%}
    (
        cast({{ numerator }} as double precision)
        / nullif(cast({{ denominator }} as double precision), 0)
    )
{%- endmacro %}


{#- A date plus a whole number of days, as a date on every engine. -#}
{% macro add_days(date_expr, days) -%}
    cast({{ dbt.dateadd('day', days, date_expr) }} as date)
{%- endmacro %}


{#- True when the event counts as activity: its type is one of the var
    `activity_event_types` (the only list of them in SQL). -#}
{% macro is_activity_event(event_type='event_type') -%}
    {{ event_type }} in ({{ sql_string_list(var('activity_event_types')) }})
{%- endmacro %}


{#- One row per whole number 0 .. count - 1, column `column`: the offsets an
    equality join expands a day into (e.g. the trailing days it counts for),
    built from literals so it needs no table and compiles without a
    connection. -#}
{% macro day_offsets(count, column='day_offset') -%}
    {%- if count is not number or count < 1 -%}
        {{ exceptions.raise_compiler_error(
            "day_offsets expects a positive whole number, got " ~ count) }}
    {%- endif -%}
    {%- for offset in range(count) %}
    select {{ offset }} as {{ column }}
    {%- if not loop.last %} union all{% endif %}
    {%- endfor %}
{%- endmacro %}
