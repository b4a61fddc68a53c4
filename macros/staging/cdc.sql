{#-
    Debezium change rows, parsed and judged: the CTEs every CDC staging model
    starts from. The calling model continues the `with` list after them and
    reads `cdc_judged`, which has one row per raw row:

        change_id          stable id of the raw row (hash + occurrence)
        op, source_lsn, source_ts_ms, committed_at, loaded_at, before, after
        row_key            primary key from the after image, else the before
        image_json         the image that describes the row (before for a
                           delete, after otherwise), as engine JSON
        quarantine_reason  null when the row is usable

        created_at         the image's created_at, parsed (null when absent
                           or not ISO-8601)

    Contract reasons come first (`malformed_json`: an image that is present or
    required but is not a JSON object; `missing_key`: the key is in neither
    image); `unknown_op` guards against envelope values the contract lacks;
    `value_too_long`: the key or a text column of the image is longer than
    its width in the var landing_text_widths; then the landing columns and
    the plausibility window (ADR 0007):
    `missing_source_lsn`, `missing_source_ts`, `missing_loaded_at`,
    `future_loaded_at`, `implausible_source_ts` (commit before
    plausible_since, beyond year 9999, or later than loaded_at + skew) and
    `implausible_timestamp` (created_at before plausible_since or later than
    loaded_at + skew).

    Incrementally, the raw batches not fully staged are read (see
    unstaged_batches); a quarantine model passes `landed_relation` /
    `landed_filter` (the quarantined rows of the model judging the source).
-#}
{% macro cdc_parse_ctes(
    source_relation, key_column, landed_relation=none, landed_filter=none
) -%}

cdc_raw as (

    select * from {{ source_relation }}
    {% if is_incremental_run() %}
        where {{ unstaged_batches(
            landed_relation or source_relation, landed_filter
        ) }}
    {% endif %}

),

cdc_identified as (

    select
        *,
        {{ cdc_row_hash() }} as row_hash
    from cdc_raw

),

cdc_parsed as (

    select
        *,
        row_number() over (partition by row_hash order by row_hash) as occurrence,
        {{ json_parse_object('before') }} as before_json,
        {{ json_parse_object('after') }} as after_json
    from cdc_identified
    {{ optimization_fence() }}

),

cdc_keyed as (

    select
        *,
        row_hash || '-' || cast(occurrence as {{ dbt.type_string() }}) as change_id,
        {{ cdc_row_key('before_json', 'after_json', key_column) }} as row_key,
        case when op = 'd' then before_json else after_json end as image_json,
        {#- Converted only inside the representable, plausible range: out of
            it the conversion raises, and the row is quarantined instead. -#}
        case
            when source_ts_ms between {{ landing_var_epoch_ms('plausible_since') }}
                and {{ landing_max_epoch_ms() }}
                then {{ epoch_ms_to_timestamp('source_ts_ms') }}
        end as committed_at
    from cdc_parsed

),

cdc_timed as (

    select
        *,
        {{ json_get_text('image_json', ['created_at']) }} as created_at_text
    from cdc_keyed
    {{ optimization_fence() }}

),

cdc_created as (

    select
        *,
        {{ parse_iso8601_utc('created_at_text') }} as created_at
    from cdc_timed
    {{ optimization_fence() }}

),

cdc_judged as (
    {%- set skew = landing_var_int('landing_clock_skew_minutes') %}
    {#- The image's text columns, as the models read them, for their widths
        (a unit test's fixture CTE is named __dbt__cte__<source>__<table>). -#}
    {%- set raw_table = (source_relation.identifier or '').split('__') | last %}
    {%- set image_text = {key_column: 'row_key'} %}
    {%- for column in landing_text_widths(raw_table) if column != key_column %}
        {%- do image_text.update({column: json_get_text('image_json', [column])}) %}
    {%- endfor %}

    select
        *,
        coalesce(
            {{ cdc_image_reason() }},
            case
                {{ landing_text_width_reason(raw_table, image_text) }}
                when source_lsn is null
                    then 'missing_source_lsn'
                when source_ts_ms is null
                    then 'missing_source_ts'
                {{ landing_time_reason('loaded_at') }}
                when
                    committed_at is null
                    or committed_at > {{ dbt.dateadd('minute', skew, 'loaded_at') }}
                    then 'implausible_source_ts'
                when
                    created_at < {{ landing_var_date('plausible_since') }}
                    or created_at > {{ dbt.dateadd('minute', skew, 'loaded_at') }}
                    then 'implausible_timestamp'
            end
        ) as quarantine_reason
    from cdc_created

)

{%- endmacro %}


{#-
    Current state of CDC rows: per key, the change with the highest
    source_lsn decides whether the row exists; attributes come from the latest
    change that is not a delete (a delete's before image may hold only the
    key). Repeated rows (same key and LSN) count once. One pass of window
    functions, no self-join. Reads `cdc_candidates` (valid changes with
    `op`, `source_lsn`, `committed_at`, `loaded_at`, `change_id`) and defines
    `cdc_current`: one row per key, the attribute row's columns plus
    `is_deleted`, `deleted_at`, `last_changed_at`, `latest_lsn`,
    `attributes_lsn` (null when no image exists) and `last_change_loaded_at`.
-#}
{% macro cdc_current_state_ctes(key_column) -%}

cdc_distinct as (

    select *
    from (
        select
            *,
            row_number() over (
                partition by {{ key_column }}, source_lsn
                order by loaded_at asc, change_id asc
            ) as repeat_rank,
            {#- Valid changes behind the key, repeats included: the count
                touched_key_ctes compares. -#}
            count(*) over (partition by {{ key_column }}) as change_count
        from cdc_candidates
    ) as repeats
    where repeat_rank = 1

),

cdc_ranked as (

    select
        *,
        {#- Images first (latest first), a delete only when nothing else exists. -#}
        row_number() over (
            partition by {{ key_column }}
            order by case when op = 'd' then 1 else 0 end asc, source_lsn desc
        ) as image_rank,
        {#- The same window spelled out three times: Redshift's SELECT has
            no named WINDOW clause. -#}
        {%- set latest_first -%}
            over (
                partition by {{ key_column }}
                order by source_lsn desc
                rows between unbounded preceding and unbounded following
            )
        {%- endset %}
        first_value(op) {{ latest_first }} as latest_op,
        first_value(committed_at) {{ latest_first }} as latest_committed_at,
        first_value(source_lsn) {{ latest_first }} as latest_lsn,
        max(loaded_at) over (
            partition by {{ key_column }}
        ) as last_change_loaded_at
    from cdc_distinct

),

cdc_current as (

    select
        *,
        op != 'd' as has_image,
        latest_op = 'd' as is_deleted,
        case when latest_op = 'd' then latest_committed_at end as deleted_at,
        latest_committed_at as last_changed_at,
        case when op != 'd' then source_lsn end as attributes_lsn
    from cdc_ranked
    where image_rank = 1

)

{%- endmacro %}
