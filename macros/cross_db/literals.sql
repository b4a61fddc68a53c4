{#-
    Literals and clock helpers that differ between engines. Documented in
    _cross_db__macros.yml.
-#}

{#- ------------------------------------------------------------------------
    sql_string_literal(value) -> a quoted SQL string literal holding value,
    or the keyword null when value is none. For values built in Jinja (run
    results, messages) that must reach an insert statement intact.
------------------------------------------------------------------------- -#}
{% macro sql_string_literal(value) -%}
    {%- if value is none -%}
        null
    {%- else -%}
        {{ return(adapter.dispatch('sql_string_literal', 'synapse')(value | string)) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__sql_string_literal(value) -%}
    {#- Postgres (standard_conforming_strings) and DuckDB read backslashes
        literally; only the quote is doubled. -#}
    '{{ value | replace("'", "''") }}'
{%- endmacro %}

{% macro redshift__sql_string_literal(value) -%}
    {#- Redshift reads backslash escapes in ordinary literals: double them. -#}
    '{{ value | replace("\\", "\\\\") | replace("'", "''") }}'
{%- endmacro %}


{#- ------------------------------------------------------------------------
    utc_now() -> the current time as a timestamp without time zone, in UTC,
    whatever the session time zone.
------------------------------------------------------------------------- -#}
{% macro utc_now() -%}
    {{ return(adapter.dispatch('utc_now', 'synapse')()) }}
{%- endmacro %}

{% macro default__utc_now() -%}
    cast(timezone('UTC', current_timestamp) as timestamp)
{%- endmacro %}

{% macro redshift__utc_now() -%}
    {#- getdate() is the UTC time of the statement, without time zone. -#}
    getdate()
{%- endmacro %}


{#- ------------------------------------------------------------------------
    timestamp_literal(value) -> a timestamp literal from ISO-8601 text or a
    Python datetime (naive, UTC), or null.
------------------------------------------------------------------------- -#}
{% macro timestamp_literal(value) -%}
    {%- if value is none -%}
        cast(null as timestamp)
    {%- else -%}
        {%- set text = value.strftime('%Y-%m-%d %H:%M:%S.%f')
            if value is not string else value | replace('T', ' ') | replace('Z', '') -%}
        cast('{{ text }}' as timestamp)
    {%- endif -%}
{%- endmacro %}
