{#- `left.c = right.c and ...` for each column name in columns, then
    `1 = 1`: a join condition on zero or more group columns. -#}
{% macro same_group_columns(left, right, columns) -%}
    {%- for column in columns %}{{ left }}.{{ column }} = {{ right }}.{{ column }} and {% endfor -%}
    1 = 1
{%- endmacro %}
