{#-
    Pseudonymisation helpers for the public marts. A salted hash lets other
    systems join on an identifier without the identifier itself reaching a
    public schema. The engine-specific digest is `sha256_hex`
    (macros/cross_db/hashing.sql). Documented in _governance__macros.yml.
-#}

{#- The salt of email_hash as a scalar subquery on the secret table (see
    the YAML): the compiled SQL names the table, never the salt. -#}
{% macro email_hash_salt() -%}
    (select coalesce(max(salt), '') from {{ ref('stg_secrets__email_hash_salt') }})
{%- endmacro %}


{#- on-run-start: the secret table exists (empty) on a fresh warehouse, so
    dim_users builds; the test assert_email_hash_salt_is_set then says
    whether it holds a salt. -#}
{% macro ensure_secret_tables() %}
    {%- if not execute or not flags.INTROSPECT -%}
        {{ return('') }}
    {%- endif -%}
    {#- The same relation as the source secrets.email_hash_salt. -#}
    {%- set salt_table = api.Relation.create(
        database=target.database, schema='secrets', identifier='email_hash_salt'
    ) -%}
    {%- do adapter.create_schema(salt_table.without_identifier()) -%}
    {%- do run_query(
        'create table if not exists ' ~ salt_table ~ ' (salt varchar(256))'
    ) -%}
    {{ return('') }}
{% endmacro %}


{#- Salted SHA-256 of the lower-cased email; null when the email is null. -#}
{% macro email_hash(email_expr) -%}
    case
        when {{ email_expr }} is not null
            then {{ sha256_hex(email_hash_salt() ~ ' || lower(' ~ email_expr ~ ')') }}
    end
{%- endmacro %}
