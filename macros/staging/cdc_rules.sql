{#-
    The rules that decide a raw CDC row's identity and validity, in one place:
    staging (cdc_judged_rows) and the personal-data scrub (which must compute
    the id a full refresh would give a row it has blanked) both call them.
-#}


{#- cdc_row_hash(...) -> text: the stable hash of a raw CDC row's text. The
    columns are arguments so the scrub can hash the blanked images too. -#}
{% macro cdc_row_hash(
    op='op', before='before', after='after', source_lsn='source_lsn',
    source_ts_ms='source_ts_ms', loaded_at='loaded_at'
) -%}
    {%- set as_text = ' as ' ~ dbt.type_string() ~ '), \'\')' -%}
    {{ dbt.hash(
        "coalesce(" ~ op ~ ", '') || '|' || coalesce(" ~ before ~ ", '') || '|'"
        ~ " || coalesce(" ~ after ~ ", '') || '|'"
        ~ " || coalesce(cast(" ~ source_lsn ~ as_text
        ~ " || '|' || coalesce(cast(" ~ source_ts_ms ~ as_text
        ~ " || '|' || coalesce(cast(" ~ loaded_at ~ as_text
    ) }}
{%- endmacro %}


{#- cdc_row_key(before_json, after_json, key_column) -> text: the primary key
    from the after image, else the before image. It counts only as a JSON
    string, as user_id does in an event: a number would be rendered
    differently by each engine. -#}
{% macro cdc_row_key(before_json, after_json, key_column) -%}
    coalesce(
        case
            when {{ json_type_of(after_json, [key_column]) }} = 'string'
                then {{ json_get_text(after_json, [key_column]) }}
        end,
        case
            when {{ json_type_of(before_json, [key_column]) }} = 'string'
                then {{ json_get_text(before_json, [key_column]) }}
        end
    )
{%- endmacro %}


{#- cdc_image_reason(...) -> text or null: the contract's reasons about the
    images and the envelope. `malformed_json`: an image that is present or
    required but is not a JSON object; `missing_key`: the key is in neither
    image; `unknown_op`: an envelope value the contract lacks. -#}
{% macro cdc_image_reason(
    op='op', before='before', after='after', before_json='before_json',
    after_json='after_json', row_key='row_key'
) -%}
    case
        when
            ({{ before }} is not null and {{ before_json }} is null)
            or ({{ after }} is not null and {{ after_json }} is null)
            or ({{ op }} = 'd' and {{ before_json }} is null)
            or ({{ op }} != 'd' and {{ after_json }} is null)
            then 'malformed_json'
        when {{ is_blank(row_key) }}
            then 'missing_key'
        when {{ op }} is null or {{ op }} not in ({{ sql_string_list(var('cdc_ops')) }})
            then 'unknown_op'
    end
{%- endmacro %}
