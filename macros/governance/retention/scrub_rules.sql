{#-
    Which images of a CDC table are due, and what they become: the SQL of the
    `plan images` temp table, built from four named parts.

        _scrub_image_ctes    every image of every distinct raw row, with the
                             staging rules (cdc_rules.sql): key and validity
        _scrub_erasure_rules erased users (users only): subject_key and
                             erasure_reason
        _scrub_age_rules     retention by age: age_reason
        _scrub_action_ctes   what to do (blank fields, replace the whole
                             image, keep) and the new text

    The images temp table holds every image of a raw row that has at least
    one image to change. Documented in _retention__macros.yml.
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


{#- ------------------------------------------------------------------------
    The erasure rules -> erasure_judged (image_fields + subject_key, the key
    the image is about, and erasure_reason). A user is erased when the
    latest change committed by as_of (by source_lsn) is a delete committed
    erased_user_contact_days or more before as_of; every image of that user
    is due, keyless ones included when they hold one of the user's email
    addresses (or, malformed, the user's id or email in their text).
------------------------------------------------------------------------- -#}
{% macro _scrub_erasure_rules(spec, settings) -%}
{%- if not spec.erasure -%}
erasure_judged as (

    select
        *,
        row_key as subject_key,
        cast(null as {{ dbt.type_string() }}) as erasure_reason
    from image_fields

)
{%- else -%}
latest_changes as (

    {#- The state as of as_of: changes committed by then, latest LSN first. -#}
    select
        row_key,
        op,
        source_ts_ms,
        row_number() over (
            partition by row_key order by source_lsn desc, op asc
        ) as recency
    from judged
    where is_valid = 1 and source_ts_ms <= {{ settings.as_of_ms }}

),

erased as (

    select row_key as erased_key
    from latest_changes
    where
        recency = 1
        and op = 'd'
        {%- if settings.erased_cutoff_ms is none %}
        and 1 = 0
        {%- else %}
        and source_ts_ms <= {{ settings.erased_cutoff_ms }}
        {%- endif %}

),

erased_contacts as (

    {#- What identifies an erased user's image that has no key: the id in
        malformed text, or an email address the user had. -#}
    select distinct
        erased.erased_key,
        image_fields.field_email as erased_email
    from image_fields
    inner join erased
        on image_fields.row_key = erased.erased_key

),

keyless_matches as (

    select
        image_fields.old_hash,
        image_fields.image_side,
        min(erased_contacts.erased_key) as matched_key
    from image_fields
    inner join erased_contacts
        on
            (
                image_fields.image_json is not null
                and image_fields.field_email = erased_contacts.erased_email
            )
            or (
                image_fields.image_json is null
                and (
                    strpos(image_fields.image_text, erased_contacts.erased_key || '"') > 0
                    or strpos(
                        image_fields.image_text, erased_contacts.erased_key || chr(92)
                    ) > 0
                    or strpos(image_fields.image_text, erased_contacts.erased_email) > 0
                )
            )
    where image_fields.row_key is null
    group by image_fields.old_hash, image_fields.image_side

),

erasure_judged as (

    select
        image_fields.*,
        coalesce(image_fields.row_key, keyless_matches.matched_key) as subject_key,
        case
            when erased.erased_key is not null then 'erasure'
        end as erasure_reason
    from image_fields
    left join keyless_matches
        on
            image_fields.old_hash = keyless_matches.old_hash
            and image_fields.image_side = keyless_matches.image_side
    left join erased
        on coalesce(image_fields.row_key, keyless_matches.matched_key) = erased.erased_key

)
{%- endif -%}
{%- endmacro %}


{#- ------------------------------------------------------------------------
    The age (retention) rules -> age_judged (erasure_judged + age_reason,
    `<kind>_retention` when the image is older than retention_days.<kind>
    before as_of; never when that retention is null).
        commit      age from the change's commit; a key's current image (the
                    after image of its latest valid non-delete change) is
                    never due
        created_at  age from the record's created_at; an image without a
                    readable one (malformed) is dated by its commit, never
                    earlier
------------------------------------------------------------------------- -#}
{% macro _scrub_age_rules(spec, settings) -%}
{%- set cutoff = settings.cutoffs[spec.kind] -%}
{%- set reason = "'" ~ spec.kind ~ "_retention'" -%}
{%- set never = 'cast(null as ' ~ dbt.type_string() ~ ')' -%}
{%- if spec.age_from == 'commit' -%}
current_images as (

    {#- A key's current image: never due by age. -#}
    select
        row_key as current_key,
        max(source_lsn) as current_lsn
    from judged
    where is_valid = 1 and op != 'd'
    group by row_key

),

age_judged as (

    select
        erasure_judged.*,
        {%- if cutoff is none %}
        {{ never }} as age_reason
        {%- else %}
        case
            when
                not coalesce(
                    erasure_judged.image_side = 'after'
                    and erasure_judged.is_valid = 1
                    and erasure_judged.source_lsn = current_images.current_lsn,
                    false
                )
                and erasure_judged.source_ts_ms < {{ settings.cutoff_ms[spec.kind] }}
                then {{ reason }}
        end as age_reason
        {%- endif %}
    from erasure_judged
    left join current_images
        on erasure_judged.row_key = current_images.current_key

)
{%- elif spec.age_from == 'created_at' -%}
image_times as (

    select
        *,
        {{ parse_iso8601_utc('created_at_text') }} as created_at,
        {{ epoch_ms_to_timestamp('source_ts_ms') }} as committed_at
    from erasure_judged
    {{ optimization_fence() }}

),

age_judged as (

    select
        *,
        {%- if cutoff is none %}
        {{ never }} as age_reason
        {%- else %}
        case
            when coalesce(created_at, committed_at) < {{ _scrub_timestamp(cutoff) }}
                then {{ reason }}
        end as age_reason
        {%- endif %}
    from image_times

)
{%- else -%}
    {{ exceptions.raise_compiler_error(
        "_scrub_specs: age_from must be commit or created_at, got "
        ~ spec.age_from) }}
{%- endif -%}
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
