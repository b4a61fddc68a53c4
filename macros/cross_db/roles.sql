{#-
    role_grantee(role) -> how GRANT and REVOKE name a role as the grantee.
    Documented in _cross_db__macros.yml.

        Postgres, DuckDB  "analyst"
        Redshift          role "analyst"

    Redshift reads a bare name after TO / FROM as a user: a role needs the
    ROLE keyword (https://docs.aws.amazon.com/redshift/latest/dg/r_GRANT.html).
-#}
{% macro role_grantee(role) -%}
    {{ return(adapter.dispatch('role_grantee', 'synapse')(role)) }}
{%- endmacro %}

{% macro default__role_grantee(role) -%}
    {{ return(synapse.quoted_identifier(role)) }}
{%- endmacro %}

{% macro redshift__role_grantee(role) -%}
    {{ return('role ' ~ synapse.quoted_identifier(role)) }}
{%- endmacro %}
