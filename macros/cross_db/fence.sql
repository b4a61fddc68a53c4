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


{#-
    cte_inlined() -> the hint that keeps a CTE inlined where it is read:
    `valid_changes as {{ cte_inlined() }} (select ... where is_valid)`.

    DuckDB and Postgres materialise a CTE that is read more than once: a
    full copy of its rows, every column, before anything reads it. For a
    cheap filter over a large table read once in full and twice for its
    key (touched_key_rows), the copy costs far more than scanning the table
    again: the no-change rerun of stg_app__events at 10M events took 8.0 s
    with the copy and 2.1 s without. Both spell the hint `not materialized`;
    Redshift has no such syntax (and does not copy), so it gets nothing.
-#}
{% macro cte_inlined() %}
    {{- return(adapter.dispatch('cte_inlined', 'synapse')()) -}}
{% endmacro %}

{% macro default__cte_inlined() -%}
    not materialized
{%- endmacro %}

{% macro redshift__cte_inlined() -%}
{%- endmacro %}
