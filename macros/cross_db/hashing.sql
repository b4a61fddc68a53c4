{#-
    Hashing that gives the same digest on DuckDB, Postgres and Redshift.
    Documented in _cross_db__macros.yml.
-#}

{#- sha256_hex(expr) -> lowercase hex SHA-256 of the UTF-8 bytes of expr. -#}
{% macro sha256_hex(expr) -%}
    {{ return(adapter.dispatch('sha256_hex', 'synapse')(expr)) }}
{%- endmacro %}

{% macro default__sha256_hex(expr) -%}
    {{ exceptions.raise_compiler_error(
        "sha256_hex is implemented for DuckDB, Postgres and Redshift only"
    ) }}
{%- endmacro %}

{% macro duckdb__sha256_hex(expr) -%}
    sha256({{ expr }})
{%- endmacro %}

{% macro postgres__sha256_hex(expr) -%}
    encode(sha256(convert_to({{ expr }}, 'UTF8')), 'hex')
{%- endmacro %}

{% macro redshift__sha256_hex(expr) -%}
    sha2({{ expr }}, 256)
{%- endmacro %}
