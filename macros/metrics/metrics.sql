{#-
    Helpers for metric arithmetic that must give the same number on DuckDB,
    Postgres and Redshift. The engine-specific pieces they use
    (percentile_cont, seconds_between) are in macros/cross_db/.
    Documented in _metrics__macros.yml.
-#}

{#- Numerator / denominator as double precision; null when the denominator
    is 0 or null. Casting first avoids the integer division of Postgres and
    Redshift. -#}
{% macro safe_divide(numerator, denominator) -%}
    (
        cast({{ numerator }} as double precision)
        / nullif(cast({{ denominator }} as double precision), 0)
    )
{%- endmacro %}


{#- A date plus a whole number of days, as a date on every engine. -#}
{% macro add_days(date_expr, days) -%}
    cast({{ dbt.dateadd('day', days, date_expr) }} as date)
{%- endmacro %}
