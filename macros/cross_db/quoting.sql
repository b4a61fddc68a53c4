{#-
    Values from vars and config rendered into SQL: always as escaped
    literals or validated identifiers, never pasted. Documented in
    _cross_db__macros.yml.
-#}

{#- sql_string_literal(value) is in literals.sql. -#}

{#- sql_string_list(values) -> 'a', 'b', ... for an `in (...)` list. -#}
{% macro sql_string_list(values) -%}
    {%- if values is string or values is mapping or values | length == 0 -%}
        {{ exceptions.raise_compiler_error(
            "expected a non-empty list of strings, got " ~ values) }}
    {%- endif -%}
    {%- set literals = [] -%}
    {%- for value in values -%}
        {%- do literals.append(synapse.sql_string_literal(value)) -%}
    {%- endfor -%}
    {{ return(literals | join(', ')) }}
{%- endmacro %}


{#- sql_number_var(name) -> the var as a plain decimal number, or an error. -#}
{% macro sql_number_var(name) -%}
    {%- set value = var(name) | string -%}
    {%- if not modules.re.match('^[0-9]{1,12}([.][0-9]{1,12})?$', value) -%}
        {{ exceptions.raise_compiler_error(
            "var " ~ name ~ " must be a non-negative decimal number, got " ~ value) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}


{#- sql_identifier(value, what) -> value when it is a plain lowercase SQL
    identifier ([a-z_][a-z0-9_]*, at most 63 characters), else an error. For
    names that are rendered unquoted (schemas, roles). -#}
{% macro sql_identifier(value, what='identifier') -%}
    {%- if value is not string
        or not modules.re.match('^[a-z_][a-z0-9_]{0,62}$', value) -%}
        {{ exceptions.raise_compiler_error(
            what ~ " " ~ (value | string)[:80] ~ " is not a plain lowercase SQL "
            ~ "identifier ([a-z_][a-z0-9_]*, at most 63 characters)") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}
