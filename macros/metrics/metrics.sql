{#-
    Helpers for metric arithmetic that must give the same number on DuckDB,
    Postgres and Redshift. Documented in _metrics__macros.yml.
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


{#- Continuous percentile (linear interpolation) of expr, as an aggregate. -#}
{% macro percentile_cont(fraction, expr) -%}
    {{ return(adapter.dispatch('percentile_cont', 'synapse')(fraction, expr)) }}
{%- endmacro %}

{% macro default__percentile_cont(fraction, expr) -%}
    percentile_cont({{ fraction }}) within group (
        order by cast({{ expr }} as double precision)
    )
{%- endmacro %}

{% macro duckdb__percentile_cont(fraction, expr) -%}
    quantile_cont(cast({{ expr }} as double precision), {{ fraction }})
{%- endmacro %}


{#- Seconds from start_ts to end_ts, microseconds kept, as double precision. -#}
{% macro seconds_between(start_ts, end_ts) -%}
    {{ return(adapter.dispatch('seconds_between', 'synapse')(start_ts, end_ts)) }}
{%- endmacro %}

{% macro default__seconds_between(start_ts, end_ts) -%}
    cast(extract(epoch from ({{ end_ts }}) - ({{ start_ts }})) as double precision)
{%- endmacro %}

{% macro duckdb__seconds_between(start_ts, end_ts) -%}
    (
        cast(epoch_us({{ end_ts }}) - epoch_us({{ start_ts }}) as double precision)
        / 1000000
    )
{%- endmacro %}

{% macro redshift__seconds_between(start_ts, end_ts) -%}
    {#- datediff counts whole microseconds exactly; extract(epoch) would not. -#}
    (
        cast(datediff(microsecond, {{ start_ts }}, {{ end_ts }}) as double precision)
        / 1000000
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
