{#-
    Layers map to schemas by name (raw -> staged -> intermediate -> mart), on
    every target: a model configured with `schema: staged` lands in `staged`,
    not in `<target schema>_staged`. Models without a custom schema use the
    target's schema.

    Slim CI builds next to production in the same warehouse: with
    SYNAPSE_SCHEMA_PREFIX set (e.g. `ci_pr_42`), every schema gets that prefix
    (`ci_pr_42_mart`), so a pull request never overwrites production and its
    deferred refs still read the production schemas.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set prefix = env_var('SYNAPSE_SCHEMA_PREFIX', '') | trim -%}
    {%- set schema = (target.schema if custom_schema_name is none else custom_schema_name) | trim -%}
    {%- if prefix -%}
        {{ prefix ~ '_' ~ schema }}
    {%- else -%}
        {{ schema }}
    {%- endif -%}
{%- endmacro %}
