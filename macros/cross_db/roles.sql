{#-
    role_grantee(role) -> how GRANT and REVOKE name a role as the grantee.
    Documented in _cross_db__macros.yml.

        Postgres, DuckDB  "analyst"
        Redshift          role "analyst"

    Redshift reads a bare name after TO / FROM as a user: a role needs the
    ROLE keyword (https://docs.aws.amazon.com/redshift/latest/dg/r_GRANT.html).

    grantee_clause(name, kind) names any grantee the privilege catalogs
    report: a role as above, a group as `group "ops"`, a user bare. Groups
    and users are only reported on Redshift (on Postgres every user is a
    role), and both engines read those two forms alike.
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

{% macro grantee_clause(name, kind='role') -%}
    {%- if kind == 'role' -%}
        {{ return(synapse.role_grantee(name)) }}
    {%- elif kind == 'group' -%}
        {{ return('group ' ~ synapse.quoted_identifier(name)) }}
    {%- elif kind == 'user' -%}
        {{ return(synapse.quoted_identifier(name)) }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error(
        "grantee_clause: unknown grantee kind " ~ kind ~ " (role, group or user)") }}
{%- endmacro %}
