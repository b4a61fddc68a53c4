{#-
    Time arithmetic: epoch conversion and durations, exact to the
    microsecond on DuckDB, Postgres and Redshift.
    Documented in _cross_db__macros.yml.
-#}

{#- Milliseconds since the Unix epoch -> UTC timestamp without time zone. -#}
{% macro epoch_ms_to_timestamp(expr) %}
    {{ return(adapter.dispatch('epoch_ms_to_timestamp', 'synapse')(expr)) }}
{% endmacro %}

{% macro default__epoch_ms_to_timestamp(expr) -%}
    (
        cast('1970-01-01' as timestamp)
        + ({{ expr }}) * interval '1 millisecond'
    )
{%- endmacro %}

{% macro duckdb__epoch_ms_to_timestamp(expr) -%}
    epoch_ms(cast({{ expr }} as bigint))
{%- endmacro %}

{% macro redshift__epoch_ms_to_timestamp(expr) -%}
    {#- Redshift's dateadd takes a 32-bit amount: split seconds and millis. -#}
    dateadd(
        millisecond,
        cast(({{ expr }}) % 1000 as integer),
        dateadd(
            second,
            cast(({{ expr }}) / 1000 as integer),
            cast('1970-01-01' as timestamp)
        )
    )
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
