{#-
    Optimisation fence: ends a CTE body so the engine computes its columns
    once per row before later CTEs read them.

    Postgres inlines a CTE used once into the query that reads it, copying
    each column's expression into every place it is referenced. After a JSON
    parse (a PL/pgSQL call) or the ISO-8601 parser (a long expression that
    names its input dozens of times), that multiplies the work per row by
    the number of references: 48k events took 64 s instead of 2 s. `offset 0`
    is the documented way to stop a subquery from being pulled up. DuckDB and
    Redshift evaluate each CTE column once already, so they get nothing.
-#}
{% macro optimization_fence() %}
    {{- return(adapter.dispatch('optimization_fence', 'synapse')()) -}}
{% endmacro %}

{% macro default__optimization_fence() -%}
{%- endmacro %}

{% macro postgres__optimization_fence() -%}
    offset 0
{%- endmacro %}

{#- Redshift needs no fence; spelled out because dbt-redshift would otherwise
    fall back to the postgres__ variant. -#}
{% macro redshift__optimization_fence() -%}
{%- endmacro %}
