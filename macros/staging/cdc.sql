{#-
    cdc_judged_rows(raw_relation, source_table, key_column) -> one select:
    every row of `raw_relation` (the Debezium change table `source_table`,
    or the model's CTE over it), hashed, parsed and judged once. Its
    columns: the raw row's, then

        row_hash, occurrence
        before_json, after_json  the images as engine JSON (null when not an
                           object)
        change_id          stable id of the raw row (hash + occurrence)
        row_key            primary key from the after image, else the before
        image_json         the image that describes the row (before for a
                           delete, after otherwise), as engine JSON
        committed_at       source_ts_ms as a timestamp, inside the plausible
                           range only
        created_at_text, created_at
                           the image's created_at, as text and parsed (null
                           when absent or not ISO-8601)
        image_<column>     each text member of the image with a width in the
                           var landing_text_widths of `source_table`, but the
                           key (as text, uncut; landing_text gives the column)
        quarantine_reason  null when the row is usable

    Contract reasons come first (cdc_image_reason: `malformed_json`,
    `missing_key`, `unknown_op`), then `value_too_long` (the key or a text
    column of the image is longer than its width in the var
    landing_text_widths of `source_table`), then the landing columns and the
    plausibility window (ADR 0007): `missing_source_lsn`,
    `missing_source_ts`, `missing_loaded_at`, `future_loaded_at`,
    `implausible_source_ts` (commit before plausible_since, beyond year 9999,
    or later than loaded_at + skew) and `implausible_timestamp` (created_at
    before plausible_since or later than loaded_at + skew).

    The calling model chooses the raw rows (the batches not yet staged, see
    unstaged_batches) in its own import CTE and names this select:
    judged as ( cdc_judged_rows('raw_changes', 'users_cdc', 'user_id') ). The
    nested subqueries are the steps; each ends in optimization_fence so an
    expensive column (the parse, the timestamp parser) is computed once.
-#}
{% macro cdc_judged_rows(raw_relation, source_table, key_column) -%}
    {%- set skew = landing_var_int('landing_clock_skew_minutes') %}
    {#- The image's text columns, as the models read them, for their widths:
        the key, and image_<column> read with every other member below. -#}
    {%- set image_text = {key_column: 'row_key'} %}
    {%- set image_members = {'created_at_text': ['created_at']} %}
    {%- for column in landing_text_widths(source_table) if column != key_column %}
        {%- do image_text.update({column: 'image_' ~ column}) %}
        {%- do image_members.update({'image_' ~ column: [column]}) %}
    {%- endfor %}
    select
        *,
        coalesce(
            {{ cdc_image_reason() }},
            case
                {{ landing_text_width_reason(source_table, image_text) }}
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
    from (

        {#- created: the image's created_at parsed (the parser repeats its
            argument, hence text first). -#}
        select
            *,
            {{ parse_iso8601_utc('created_at_text') }} as created_at
        from (

            {#- members: the image's text members, read in one pass where
                the engine can (json_get_texts). -#}
            select
                *,
                {{ json_get_texts('image_json', image_members) }}
            from (

                {#- keyed: the id, the key, the describing image, the commit
                    time (converted only inside the representable, plausible
                    range: out of it the conversion raises, and the row is
                    quarantined instead). -#}
                select
                    *,
                    row_hash || '-' || cast(occurrence as {{ dbt.type_string() }})
                        as change_id,
                    {{ cdc_row_key('before_json', 'after_json', key_column) }}
                        as row_key,
                    case when op = 'd' then before_json else after_json end
                        as image_json,
                    case
                        when source_ts_ms
                            between {{ landing_var_epoch_ms('plausible_since') }}
                            and {{ landing_max_epoch_ms() }}
                            then {{ epoch_ms_to_timestamp('source_ts_ms') }}
                    end as committed_at
                from (

                    {#- parsed: each image parsed once; identical raw rows
                        numbered so each stays countable. -#}
                    select
                        *,
                        row_number() over (
                            partition by row_hash order by row_hash
                        ) as occurrence,
                        {{ json_parse_object('before') }} as before_json,
                        {{ json_parse_object('after') }} as after_json
                    from (
                        select
                            *,
                            {{ cdc_row_hash() }} as row_hash
                        from {{ raw_relation }}
                    ) as identified
                    {{ optimization_fence() }}

                ) as parsed

            ) as keyed
            {{ optimization_fence() }}

        ) as timed
        {{ optimization_fence() }}

    ) as created
{%- endmacro %}


{#-
    cdc_current_rows(candidates_relation, key_column) -> one select: the
    current state of CDC rows, one row per key. Per key, the change with the
    highest source_lsn decides whether the row exists; attributes come from
    the latest change that is not a delete (a delete's before image may hold
    only the key). Repeated rows (same key and LSN) count once. One pass of
    window functions, no self-join.

    Reads `candidates_relation` (valid changes with `op`, `source_lsn`,
    `committed_at`, `loaded_at`, `change_id`); returns the attribute row's
    columns plus `change_count`, `has_image`, `is_deleted`, `deleted_at`,
    `last_changed_at`, `latest_lsn`, `attributes_lsn` (null when no image
    exists) and `last_change_loaded_at`. Used as
    current_state as ( cdc_current_rows('candidates', 'user_id') ).
-#}
{% macro cdc_current_rows(candidates_relation, key_column) -%}
    select
        *,
        op != 'd' as has_image,
        latest_op = 'd' as is_deleted,
        case when latest_op = 'd' then latest_committed_at end as deleted_at,
        latest_committed_at as last_changed_at,
        case when op != 'd' then source_lsn end as attributes_lsn
    from (

        select
            *,
            {#- Images first (latest first), a delete only when nothing else
                exists. -#}
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
        from (

            {#- distinct: one row per key and LSN. -#}
            select *
            from (
                select
                    *,
                    row_number() over (
                        partition by {{ key_column }}, source_lsn
                        order by loaded_at asc, change_id asc
                    ) as repeat_rank,
                    {#- Valid changes behind the key, repeats included: the
                        count touched_key_rows compares. -#}
                    count(*) over (partition by {{ key_column }}) as change_count
                from {{ candidates_relation }}
            ) as repeats
            where repeat_rank = 1

        ) as distinct_changes

    ) as ranked
    where image_rank = 1
{%- endmacro %}
