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
