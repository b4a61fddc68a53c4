{#-
    postgres_indexes(indexes) -> `indexes` on Postgres, [] elsewhere.
    Documented in _cross_db__macros.yml; the reasons are in
    docs/decisions/0008-redshift-production.md.

    For a model's `indexes` config: dbt-postgres creates them after each
    build; dbt-duckdb would build ART indexes the engine does not need (and
    that slow every delete+insert); Redshift has no indexes (dist and sort
    keys play that part, set in the same config block).
-#}
{% macro postgres_indexes(indexes) -%}
    {{ return(adapter.dispatch('postgres_indexes', 'synapse')(indexes)) }}
{%- endmacro %}

{% macro default__postgres_indexes(indexes) -%}
    {{ return([]) }}
{%- endmacro %}

{% macro postgres__postgres_indexes(indexes) -%}
    {{ return(indexes) }}
{%- endmacro %}

{% macro redshift__postgres_indexes(indexes) -%}
    {{ return([]) }}
{%- endmacro %}
