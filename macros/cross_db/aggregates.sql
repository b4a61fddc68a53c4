{#-
    Aggregates spelled differently by each engine, with one result.
    Documented in _cross_db__macros.yml.
-#}

{#- Continuous percentile (linear interpolation) of expr, as an aggregate. -#}
{% macro percentile_cont(fraction, expr) -%}
    {{ return(adapter.dispatch('percentile_cont', 'synapse')(fraction, expr)) }}
{%- endmacro %}

{% macro default__percentile_cont(fraction, expr) -%}
    percentile_cont({{ fraction }}) within group (
        order by cast({{ expr }} as double precision)
    )
{%- endmacro %}

{% macro duckdb__percentile_cont(fraction, expr) -%}
    quantile_cont(cast({{ expr }} as double precision), {{ fraction }})
{%- endmacro %}
