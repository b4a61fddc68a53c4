{#-
    Every row of raw.app_events, parsed and judged once. Rows are never
    dropped here: each one is either valid (quarantine_reason is null) or
    carries the first contract rule it breaks. Deduplication happens
    downstream, in stg_app__events. The raw payload (confidential) is kept
    only where something reads it: on a quarantined row, and on a copy
    whose event_id, received_at and loaded_at another row shares (the only
    copies stg_app__events's tie-break compares by payload). Rows that share
    a loaded_at are one batch, always staged together, so such a tie is
    always seen in one run. Every row written carries `decided_at`,
    the build's start: stg_app__events re-decides the event_ids of the rows
    written since it last wrote (touched_key_rows).
-#}
{{
    config(
        materialized='incremental',
        unique_key='delivery_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        dist='event_id',
        sort=['loaded_at'],
        indexes=postgres_indexes([{'columns': ['delivery_id']}, {'columns': ['loaded_at']}]),
    )
}}

with

raw_events as (

    select * from {{ source('app', 'app_events') }}
    {% if is_incremental_run() %}
        where {{ unstaged_batches(source('app', 'app_events')) }}
    {% endif %}

),

identified as (

    select
        *,
        {{ dbt.hash(
            "coalesce(event_id, '\x01') || '|' || coalesce(payload, '\x01') || '|'"
            ~ " || coalesce(cast(received_at as " ~ dbt.type_string() ~ "), '')"
            ~ " || '|' || coalesce(cast(loaded_at as " ~ dbt.type_string() ~ "), '')"
        ) }} as row_hash
    from raw_events

),

numbered as (

    {#- Byte-identical redeliveries share a hash; the occurrence number keeps
        each of them countable. -#}
    select
        *,
        row_number() over (partition by row_hash order by row_hash) as occurrence,
        count(*) over (
            partition by event_id, received_at, loaded_at
        ) as same_arrival_copies
    from identified

),

parsed as (

    select
        *,
        {{ json_parse_object('payload') }} as payload_json
    from numbered
    {{ optimization_fence() }}

),

extracted as (

    select
        row_hash || '-' || cast(occurrence as {{ dbt.type_string() }})
            as delivery_id,
        event_id,
        payload,
        same_arrival_copies,
        received_at,
        loaded_at,
        payload_json is not null as is_json_object,
        {{ json_type_of('payload_json', ['user_id']) }} as user_id_json_type,
        {{ json_get_texts('payload_json', {
            'user_id': ['user_id'],
            'event_type': ['event_type'],
            'occurred_at_text': ['occurred_at'],
            'session_id': ['session_id'],
            'platform': ['platform'],
            'country': ['country'],
            'app_version': ['app_version'],
            'feature': ['properties', 'feature'],
            'message_id': ['properties', 'message_id'],
            'page': ['properties', 'page'],
            'error_code': ['properties', 'error_code'],
        }) }}
    from parsed
    {{ optimization_fence() }}

),

timed as (

    select
        *,
        {{ parse_iso8601_utc('occurred_at_text') }} as occurred_at
    from extracted
    {{ optimization_fence() }}

),

judged as (

    {#- The contract's six rules, in its order, then the boundary rules of
        ADR 0007: the first that fails wins. -#}
    select
        *,
        case
            when not is_json_object
                then 'malformed_json'
            when {{ is_blank('event_id') }}
                then 'missing_event_id'
            when
                user_id_json_type is null
                or user_id_json_type != 'string'
                or {{ is_blank('user_id') }}
                then 'missing_user_id'
            when
                event_type is null
                or event_type not in ({{ sql_string_list(var('event_types')) }})
                then 'unknown_event_type'
            when occurred_at is null
                then 'invalid_timestamp'
            when occurred_at > {{ dbt.dateadd(
                'minute',
                landing_var_int('future_tolerance_minutes'),
                'received_at'
            ) }}
                then 'future_timestamp'
            {{ landing_text_width_reason('app_events') }}
            {#- The landing columns and the plausibility window (ADR 0007). -#}
            {{ event_landing_reason() }}
        end as quarantine_reason
    from timed

),

final as (

    select
        ---------- ids
        delivery_id,
        event_id,
        ---------- validation
        quarantine_reason,
        quarantine_reason is null as is_valid,
        ---------- event
        {{ landing_text('app_events', 'event_type') }} as event_type,
        {{ landing_text('app_events', 'user_id') }} as user_id,
        case
            when not {{ is_blank('session_id') }}
                then {{ landing_text('app_events', 'session_id') }}
        end as session_id,
        {{ landing_text('app_events', 'platform') }} as platform,
        {{ landing_text('app_events', 'country') }} as country,
        {{ landing_text('app_events', 'app_version') }} as app_version,
        case
            when not {{ is_blank('feature') }}
                then {{ landing_text('app_events', 'feature') }}
        end as feature,
        {{ landing_text('app_events', 'message_id') }} as message_id,
        {{ landing_text('app_events', 'page') }} as page,
        {{ landing_text('app_events', 'error_code') }} as error_code,
        ---------- timestamps
        occurred_at,
        {{ landing_text('app_events', 'occurred_at_text') }} as occurred_at_text,
        received_at,
        loaded_at,
        ---------- raw
        case
            when quarantine_reason is not null or same_arrival_copies > 1
                then payload
        end as payload,
        ---------- bookkeeping
        {{ build_started_at() }} as decided_at
    from judged

)

select * from final
