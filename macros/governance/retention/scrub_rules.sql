{#-
    The rules that make an image due, one macro each: erasure
    (_scrub_erasure_rules) and age (_scrub_age_rules). Both are CTEs of the
    `plan images` temp table (scrub_images.sql), which takes the erasure
    reason first, else the age reason. Documented in _retention__macros.yml.
-#}


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
        cast(row_key as varchar(65535)) as subject_key,
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
        {#- Keys as landed, at most the raw image's own width (RS027). -#}
        cast(
            coalesce(image_fields.row_key, keyless_matches.matched_key)
            as varchar(65535)
        ) as subject_key,
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
