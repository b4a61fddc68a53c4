{#-
    String helpers that behave the same on DuckDB, Postgres and Redshift.
    Documented in _cross_db__macros.yml.
-#}

{#- ------------------------------------------------------------------------
    is_blank(expr) -> boolean, never null.
    True when expr is null, empty, or made only of spaces, tabs (chr 9), line
    feeds (chr 10) and carriage returns (chr 13). Any other character, other
    Unicode spaces included (no-break space, form feed, ...), makes it false.
------------------------------------------------------------------------- -#}
{% macro is_blank(expr) -%}
    {{ return(adapter.dispatch('is_blank', 'synapse')(expr)) }}
{%- endmacro %}

{% macro default__is_blank(expr) -%}
    {#- translate() with an empty replacement deletes the listed characters;
        chr() keeps backslash escapes out of the literal (Redshift reads
        backslashes in string literals, Postgres and DuckDB do not). -#}
    (coalesce(
        length(translate({{ expr }}, ' ' || chr(9) || chr(10) || chr(13), '')),
        0
    ) = 0)
{%- endmacro %}


{#- ------------------------------------------------------------------------
    regex_matches(expr, pattern) -> boolean, never null.
    `pattern` is the regular expression itself as a Jinja string (not a SQL
    literal): the macro quotes it for the engine. Search semantics, like
    Postgres `~`: the pattern may match anywhere, so anchor it with ^ and $
    to test the whole value. A null expr gives false (not null), so
    `not regex_matches(...)` is true for a null value.
    Keep patterns to the syntax all three engines share (POSIX ERE: [..],
    (a|b), ?, *, +, {m,n}, ^, $); prefer [0-9] and [.] to \d and \. .
------------------------------------------------------------------------- -#}
{% macro regex_matches(expr, pattern) -%}
    {%- if pattern is not string -%}
        {{ exceptions.raise_compiler_error(
            "regex_matches: pattern must be a Jinja string holding the regular "
            ~ "expression, got " ~ pattern) }}
    {%- endif -%}
    {{ return(adapter.dispatch('regex_matches', 'synapse')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regex_matches(expr, pattern) -%}
    {#- Postgres (standard_conforming_strings on): the literal is taken as is. -#}
    coalesce(({{ expr }}) ~ '{{ pattern | replace("'", "''") }}', false)
{%- endmacro %}

{% macro duckdb__regex_matches(expr, pattern) -%}
    {#- regexp_matches is a search (partial match), like `~`; RE2 syntax. -#}
    coalesce(regexp_matches({{ expr }}, '{{ pattern | replace("'", "''") }}'), false)
{%- endmacro %}

{% macro redshift__regex_matches(expr, pattern) -%}
    {#- Redshift reads backslash escapes in ordinary string literals (its docs
        write '\\.' for a literal dot), so each backslash of the pattern is
        doubled to reach the regex engine intact. -#}
    {%- set literal = pattern | replace("\\", "\\\\") | replace("'", "''") %}
    coalesce(({{ expr }}) ~ '{{ literal }}', false)
{%- endmacro %}


{#- ------------------------------------------------------------------------
    bytewise_text(expr) -> the same text, with a collation that compares and
    orders it byte by byte (for UTF-8: by code point), whatever the database
    or session default is. Use it in order by / min / max / comparisons where
    the result must be the same on every engine.
------------------------------------------------------------------------- -#}
{% macro bytewise_text(expr) -%}
    {{ return(adapter.dispatch('bytewise_text', 'synapse')(expr)) }}
{%- endmacro %}

{% macro default__bytewise_text(expr) -%}
    {#- Postgres: the "C" collation is memcmp order, not the database locale.
        DuckDB: compares bytes already, but `set default_collation` could
        change that; "C" is DuckDB's binary collation, so the override holds
        there too. -#}
    ({{ expr }}) collate "C"
{%- endmacro %}

{% macro redshift__bytewise_text(expr) -%}
    {#- Redshift has no locale collations: case_sensitive (the default) is
        byte order. Forcing it keeps the order when the database or column
        was created case_insensitive. -#}
    collate({{ expr }}, 'case_sensitive')
{%- endmacro %}


{#- Every character that is not a digit removed. -#}
{% macro digits_only(expr) %}
    {{- return(adapter.dispatch('digits_only', 'synapse')(expr)) -}}
{% endmacro %}

{% macro default__digits_only(expr) -%}
    regexp_replace({{ expr }}, '[^0-9]', '', 'g')
{%- endmacro %}

{% macro redshift__digits_only(expr) -%}
    {#- Redshift replaces every match without a flag. -#}
    regexp_replace({{ expr }}, '[^0-9]', '')
{%- endmacro %}


{#- ------------------------------------------------------------------------
    text_byte_length(expr) -> integer: the text's length in UTF-8 bytes
    (what Redshift's varchar(n) counts), the same on every engine; null for
    null. length() would count characters on DuckDB and Postgres.
------------------------------------------------------------------------- -#}
{% macro text_byte_length(expr) -%}
    {{ return(adapter.dispatch('text_byte_length', 'synapse')(expr)) }}
{%- endmacro %}

{% macro default__text_byte_length(expr) -%}
    {#- Postgres and Redshift (a UTF-8 database on both). -#}
    octet_length({{ expr }})
{%- endmacro %}

{% macro duckdb__text_byte_length(expr) -%}
    strlen({{ expr }})
{%- endmacro %}
