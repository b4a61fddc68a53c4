{#-
    The `plan images` temp table: which images of a CDC table are due and
    what they become, built from four named parts.

        _scrub_image_ctes     (here) every image of every distinct raw row,
                              with the staging rules (cdc_rules.sql): key
                              and validity
        _scrub_erasure_rules  (scrub_rules.sql) erased users: subject_key
                              and erasure_reason
        _scrub_age_rules      (scrub_rules.sql) retention by age: age_reason
        _scrub_action_ctes    (here) what to do (blank fields, replace the
                              whole image, keep) and the new text

    The temp table holds every image of a raw row that has at least one
    image to change. Documented in _retention__macros.yml.
-#}


{% macro _scrub_images_sql(spec, settings, images_table) -%}
create temporary table {{ images_table }} as
with

{{ _scrub_image_ctes(spec) }},

{{ _scrub_erasure_rules(spec, settings) }},

{{ _scrub_age_rules(spec, settings) }},

decided as (

    {#- Erasure first: an erased user's image is due whatever its age. #}
    select
        *,
        coalesce(erasure_reason, age_reason) as scrub_reason
    from age_judged

),

{{ _scrub_action_ctes(spec) }}

select * from final
{%- endmacro %}


{#- raw_rows .. image_fields: one row per image of every distinct raw row,
    judged with staging's own rules. -#}
{% macro _scrub_image_ctes(spec) -%}
raw_rows as (

    {#- Identical rows (redeliveries) are decided once; copies counts them. -#}
    select
        op,
        before,
        after,
        source_lsn,
        source_ts_ms,
        loaded_at,
        count(*) as copies
    from {{ source('oltp', spec.source) }}
    group by op, before, after, source_lsn, source_ts_ms, loaded_at

),

parsed as (

    select
        *,
        {{ cdc_row_hash() }} as old_hash,
        {{ json_parse_object('before') }} as before_json,
        {{ json_parse_object('after') }} as after_json
    from raw_rows
    {{ optimization_fence() }}

),

keyed as (

    select
        *,
        {{ cdc_row_key('before_json', 'after_json', spec.key) }} as key_text
    from parsed

),

judged as (

    {#- The validity rules of staging (cdc_rules.sql). -#}
    select
        *,
        case when not {{ is_blank('key_text') }} then key_text end as row_key,
        case
            when {{ cdc_image_reason(row_key='key_text') }} is null then 1 else 0
        end as is_valid
    from keyed

),

images as (

    select
        old_hash,
        copies,
        op,
        source_lsn,
        source_ts_ms,
        loaded_at,
        row_key,
        is_valid,
        'before' as image_side,
        before as image_text,
        before_json as image_json
    from judged
    where before is not null

    union all

    select
        old_hash,
        copies,
        op,
        source_lsn,
        source_ts_ms,
        loaded_at,
        row_key,
        is_valid,
        'after' as image_side,
        after as image_text,
        after_json as image_json
    from judged
    where after is not null

),

image_fields as (

    select
        *,
        {%- for field in spec.fields %}
        {{ json_get_text('image_json', [field]) }} as field_{{ field }},
        {%- endfor %}
        {{ json_get_text('image_json', ['created_at']) }} as created_at_text
    from images

)
{%- endmacro %}


{#- planned .. final: the action per image and the new text of every image
    of a raw row that changes. -#}
{% macro _scrub_action_ctes(spec) -%}
{%- set fields = spec.fields -%}
{%- set marker = _scrub_marker() -%}
planned as (

    select
        *,
        case
            when scrub_reason is null
                then 'keep'
            when
                image_json is not null
                and (
                    {%- for field in fields %}
                    field_{{ field }} is not null{% if not loop.last %} or{% endif %}
                    {%- endfor %}
                )
                then 'fields'
            when
                image_json is null
                and image_text != '{{ marker }}'
                and (
                    {%- for field in fields %}
                    strpos(image_text, '{{ field }}') > 0{% if not loop.last %} or{% endif %}
                    {%- endfor %}
                )
                then 'whole_image'
            else 'keep'
        end as scrub_action
    from decided

),

touched_rows as (

    select distinct old_hash as touched_hash
    from planned
    where scrub_action != 'keep'

),

final as (

    select
        planned.old_hash,
        planned.copies,
        planned.op as row_op,
        planned.source_lsn as row_source_lsn,
        planned.source_ts_ms as row_source_ts_ms,
        planned.loaded_at as row_loaded_at,
        planned.subject_key,
        planned.image_side,
        planned.scrub_reason,
        planned.scrub_action,
        {%- for field in fields %}
        case
            when planned.scrub_action = 'fields' and planned.field_{{ field }} is not null
                then 1
            else 0
        end as blanked_{{ field }},
        {%- endfor %}
        case
            when planned.scrub_action = 'fields'
                then {{ scrub_json_members('planned.image_json', fields) }}
            when planned.scrub_action = 'whole_image'
                then '{{ marker }}'
            else planned.image_text
        end as new_text
    from planned
    inner join touched_rows
        on planned.old_hash = touched_rows.touched_hash

)
{%- endmacro %}
