{#-
    Partial masks for selective display: enough to recognise a record
    (first letter and domain of an email, last digits of a phone, initial of
    a name), not enough to contact or identify the person. Models holding
    masked values are readable by analysts; the clear values stay in the
    restricted schema.
-#}

{% macro mask_email(expr) -%}
    case
        when {{ expr }} is null then null
        when position('@' in {{ expr }}) = 0 then '***'
        else left({{ expr }}, 1) || '***@' || split_part({{ expr }}, '@', 2)
    end
{%- endmacro %}


{% macro mask_phone(expr) -%}
    case
        when {{ expr }} is null then null
        else '*** *** ' || right({{ digits_only(expr) }}, 3)
    end
{%- endmacro %}


{% macro mask_name(expr) -%}
    case
        when {{ expr }} is null then null
        else left(trim({{ expr }}), 1) || '***'
    end
{%- endmacro %}
