{#-
    Layers map to schemas by name (raw -> staged -> intermediate -> mart), on
    every target: a model configured with `schema: staged` lands in `staged`,
    not in `<target schema>_staged`. Models without a custom schema use the
    target's schema.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema | trim }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
