{#-
    Strict ISO-8601 parsing, the same results on DuckDB, Postgres and Redshift.
    Documented in _cross_db__macros.yml.
-#}

{#- ------------------------------------------------------------------------
    parse_iso8601_utc(text_expr) -> timestamp (without time zone, in UTC), or
    null when text_expr is not exactly of the landing-contract form

        YYYY-MM-DDTHH:MM:SS[.f{1,6}](Z|+HH:MM|-HH:MM)

    year 0001-9999, a real calendar date, hour 00-23, minute and second
    00-59, offset -14:00..+14:00 (offset minutes 00-59). Uppercase T and Z
    only; no surrounding whitespace. Never raises.

    Result: the local date and time, plus the fraction ('5' is 500000 us),
    minus the offset.

    How (the default, for Postgres and Redshift; DuckDB's own version is
    below): one strict regex decides the form and the field ranges; the day is
    checked against the length of its month; the value is built by adding
    months, days, seconds and microseconds to 0001-01-01 with dbt.dateadd.
    No text is ever cast to a number or a timestamp: every digit is read as
    ascii(char) - 48, which cannot fail on any input. So nothing depends on
    an engine skipping the branches of a case (DuckDB may not), and
    Postgres's lenient to_timestamp / timestamp input (Feb 30 rolled into
    March, 'yesterday', 'epoch') is never involved.

    The argument appears many times in the generated SQL: pass a column.
------------------------------------------------------------------------- -#}
{% macro parse_iso8601_utc(text_expr) -%}
    {{ return(adapter.dispatch('parse_iso8601_utc', 'synapse')(text_expr)) }}
{%- endmacro %}

{% macro default__parse_iso8601_utc(text_expr) -%}
    {%- set t = text_expr -%}
    {%- set pattern = synapse._iso8601_pattern() -%}

    {#- Fixed positions: YYYY-MM-DDTHH:MM:SS is characters 1-19. -#}
    {%- set year = synapse._iso8601_number(t, 1, 4) -%}
    {%- set month = synapse._iso8601_number(t, 6, 2) -%}
    {%- set day = synapse._iso8601_number(t, 9, 2) -%}
    {%- set hour = synapse._iso8601_number(t, 12, 2) -%}
    {%- set minute = synapse._iso8601_number(t, 15, 2) -%}
    {%- set second = synapse._iso8601_number(t, 18, 2) -%}

    {#- Fraction: characters 21.. when character 20 is '.', up to the zone
        designator ('Z' is 1 character, '+HH:MM' 6). -#}
    {%- set zulu = "right(" ~ t ~ ", 1) = 'Z'" -%}
    {%- set fraction_digits =
        "(case when substring(" ~ t ~ ", 20, 1) = '.' then length(" ~ t ~ ") - "
        ~ "(case when " ~ zulu ~ " then 21 else 26 end) else 0 end)" -%}
    {%- set microseconds_terms = [] -%}
    {%- for k in range(1, 7) -%}
        {%- set digit = synapse._iso8601_number(t, 20 + k, 1) -%}
        {%- do microseconds_terms.append(
            "(case when " ~ fraction_digits ~ " >= " ~ k ~ " then " ~ digit
            ~ " else 0 end) * " ~ 10 ** (6 - k)) -%}
    {%- endfor -%}
    {%- set microseconds = '(' ~ microseconds_terms | join(' + ') ~ ')' -%}

    {%- set offset_minutes = synapse._iso8601_offset_minutes(t) -%}

    {%- set is_leap_year =
        "(" ~ year ~ " % 4 = 0 and " ~ year ~ " % 100 != 0)"
        ~ " or " ~ year ~ " % 400 = 0" -%}
    {%- set days_in_month -%}
        (case
            when {{ month }} = 2
                then (case when {{ is_leap_year }} then 29 else 28 end)
            when {{ month }} in (4, 6, 9, 11) then 30
            else 31
        end)
    {%- endset -%}

    {%- set first_of_month = dbt.dateadd(
        'month',
        '(' ~ year ~ ' - 1) * 12 + ' ~ month ~ ' - 1',
        "cast('0001-01-01 00:00:00' as timestamp)") -%}
    {%- set local_date = dbt.dateadd('day', day ~ ' - 1', first_of_month) -%}
    {%- set local_seconds = hour ~ ' * 3600 + ' ~ minute ~ ' * 60 + ' ~ second -%}
    {%- set utc_second = dbt.dateadd(
        'second', local_seconds ~ ' - ' ~ offset_minutes ~ ' * 60', local_date) -%}
    {%- set utc_timestamp = dbt.dateadd('microsecond', microseconds, utc_second) -%}

    (case
        when
            {{ synapse.regex_matches(t, pattern) }}
            and {{ day }} <= {{ days_in_month }}
            then {{ utc_timestamp }}
    end)
{%- endmacro %}


{#- DuckDB: the same regex decides the form and the field ranges; DuckDB's
    own timestamp cast then reads the local date and time (try_cast: null,
    never an error, for a day its month does not have, as the default's
    day check), and the offset is subtracted. Same results as the default
    (tests/cross_db/assert_iso8601_parsing.sql runs on every engine) at a
    fraction of the cost: the default's arithmetic is about a tenth of the
    event deliveries' build time on DuckDB (docs/performance/staging.md). -#}
{% macro duckdb__parse_iso8601_utc(text_expr) -%}
    {%- set t = text_expr -%}
    {%- set zone_length = "(case when right(" ~ t ~ ", 1) = 'Z' then 1 else 6 end)" -%}
    (case
        when {{ synapse.regex_matches(t, synapse._iso8601_pattern()) }}
            then try_cast(left({{ t }}, length({{ t }}) - {{ zone_length }}) as timestamp)
                - {{ synapse._iso8601_offset_minutes(t) }} * interval 1 minute
    end)
{%- endmacro %}


{#- The contract's form and every field range but the day-of-month upper
    bound, as one anchored regex. -#}
{% macro _iso8601_pattern() -%}
    {{ return(
        '^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})'
        ~ '-(0[1-9]|1[0-2])'
        ~ '-(0[1-9]|[12][0-9]|3[01])'
        ~ 'T([01][0-9]|2[0-3])'
        ~ ':[0-5][0-9]'
        ~ ':[0-5][0-9]'
        ~ '([.][0-9]{1,6})?'
        ~ '(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9]|[+-]14:00)$'
    ) }}
{%- endmacro %}


{#- The offset of a text already of the contract's form, in minutes, east of
    UTC positive; read from the right end ('Z' is 0). -#}
{% macro _iso8601_offset_minutes(text_expr) -%}
    {%- set zone = "right(" ~ text_expr ~ ", 5)" -%}
    (case
        when right({{ text_expr }}, 1) = 'Z' then 0
        else
            (case when left(right({{ text_expr }}, 6), 1) = '-' then -1 else 1 end)
            * ({{ synapse._iso8601_number(zone, 1, 2) }} * 60
                + {{ synapse._iso8601_number(zone, 4, 2) }})
    end)
{%- endmacro %}


{#- _iso8601_number(text_expr, start, count): the integer written by `count`
    characters of text_expr from position `start`, assumed to be ASCII digits
    (the caller validates). Built from ascii() so that it never raises. -#}
{% macro _iso8601_number(text_expr, start, count) -%}
    {%- set terms = [] -%}
    {%- for i in range(count) -%}
        {%- do terms.append(
            "(ascii(substring(" ~ text_expr ~ ", " ~ (start + i) ~ ", 1)) - 48)"
            ~ (" * " ~ (10 ** (count - 1 - i)) if i < count - 1 else "")) -%}
    {%- endfor -%}
    {{ return('(' ~ terms | join(' + ') ~ ')') }}
{%- endmacro %}
