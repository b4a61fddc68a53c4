{#-
    One row per valid event_id: the kept copy chosen by the contract's
    tie-break (earliest received_at, then earliest loaded_at, then the
    smallest payload byte by byte). Incrementally, only the event_ids with a
    valid delivery written since this model last wrote (its `decided_at`)
    are re-decided, from all of their deliveries, so a late copy with an
    earlier received_at takes over from the one kept so far.
    Every row written carries `decided_at`, the build's start: the change
    signal of fct_feature_usage_daily (changed_dates).
-#}
{{
    config(
        materialized='incremental',
        unique_key='event_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        dist='event_id',
        sort=['last_delivery_loaded_at'],
        indexes=postgres_indexes([{'columns': ['event_id']}, {'columns': ['last_delivery_loaded_at']}]),
    )
}}

with

valid_deliveries as {{ cte_inlined() }} (

    {#- Read in full, and once more for the keys written since on an
        incremental run (touched_key_rows): inlined, not copied
        (cte_inlined). -#}
    select * from {{ ref('stg_app__event_deliveries') }}
    where is_valid

),

candidates as (

    {#- The deliveries of the events to re-decide (all of them on a full
        build). -#}
    {{ touched_key_rows('valid_deliveries', 'event_id', by_decided_at=true) }}

),

ranked as (

    select
        *,
        row_number() over (
            partition by event_id
            order by
                received_at asc nulls last,
                loaded_at asc nulls last,
                {{ bytewise_text('payload') }} asc,
                delivery_id asc
        ) as copy_rank,
        count(*) over (partition by event_id) as delivery_count,
        max(loaded_at) over (partition by event_id) as last_delivery_loaded_at
    from candidates

),

final as (

    select
        ---------- ids
        event_id,
        delivery_id,
        user_id,
        session_id,
        ---------- event
        event_type,
        platform,
        country,
        app_version,
        feature,
        message_id,
        page,
        error_code,
        ---------- timestamps
        occurred_at,
        cast(occurred_at as date) as occurred_date,
        received_at,
        loaded_at,
        ---------- delivery
        delivery_count,
        last_delivery_loaded_at,
        ---------- bookkeeping
        {{ build_started_at() }} as decided_at
    from ranked
    where copy_rank = 1

)

select * from final
