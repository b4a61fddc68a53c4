{#-
    Pseudonymisation helpers for the public marts. A salted hash lets other
    systems join on an identifier without the identifier itself reaching a
    public schema. Documented in _governance__macros.yml.
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


{#- The salt of email_hash as a SQL string literal (see the YAML). -#}
{% macro email_hash_salt() -%}
    {%- set salt = var('email_hash_salt', env_var('SYNAPSE_EMAIL_HASH_SALT', '')) -%}
    {%- if not salt and execute -%}
        {%- if target.name in var('production_targets', ['prod']) -%}
            {{ exceptions.raise_compiler_error(
                'SYNAPSE_EMAIL_HASH_SALT is not set: refusing to build '
                ~ 'dim_users.email_hash on the production target ' ~ target.name
                ~ ' with an empty salt (the hashes would be reversible by '
                ~ 'dictionary). Set it from the secret store.'
            ) }}
        {%- else -%}
            {%- do exceptions.warn(
                'SYNAPSE_EMAIL_HASH_SALT is not set: dim_users.email_hash uses an '
                ~ 'empty salt on target ' ~ target.name ~ '. Fine for local '
                ~ 'data; never for real data.'
            ) -%}
        {%- endif -%}
    {%- endif -%}
    '{{ salt | string | replace("'", "''") }}'
{%- endmacro %}


{#- Salted SHA-256 of the lower-cased email; null when the email is null. -#}
{% macro email_hash(email_expr) -%}
    case
        when {{ email_expr }} is not null
            then {{ sha256_hex(email_hash_salt() ~ ' || lower(' ~ email_expr ~ ')') }}
    end
{%- endmacro %}
