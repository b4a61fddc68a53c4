{#-
    Redshift versions of two dbt macros the project relies on for ids and
    hashes. Documented in _cross_db__macros.yml; dbt_project.yml's `dispatch`
    block makes dbt look here before its own package.

    dbt's type_string() is TEXT on Redshift, which Redshift stores as
    VARCHAR(256), and dbt.hash() casts its argument to it. An explicit cast to
    a shorter VARCHAR cuts the text without an error, so the hash of a Debezium
    row (before, after and envelope, often longer than 256 bytes) would be the
    hash of its first 256 bytes: distinct changes would share a change_id.
    The widest VARCHAR keeps every byte, as on DuckDB and Postgres.
-#}
{% macro redshift__type_string() -%}
    {{ return('varchar(65535)') }}
{%- endmacro %}

{% macro redshift__hash(field) -%}
    md5(cast({{ field }} as varchar(65535)))
{%- endmacro %}
