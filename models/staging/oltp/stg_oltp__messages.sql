{#-
    Current state of chat.messages (text excluded), deleted messages flagged.
    Incremental by message: a change written since this model last wrote
    (its `decided_at`) re-resolves that message from all of its changes.
    Every row written carries `decided_at`, the build's start: the change
    signal of fct_assistant_performance_daily (changed_dates).
-#}
{{
    config(
        materialized='incremental',
        unique_key='message_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        dist='message_id',
        sort=['message_id'],
        indexes=postgres_indexes([{'columns': ['message_id']}, {'columns': ['last_change_loaded_at']}]),
    )
}}

with

valid_changes as {{ cte_inlined() }} (

    {#- Read in full, and once more for the keys written since on an
        incremental run (touched_key_rows): inlined, not copied
        (cte_inlined). -#}
    select * from {{ ref('stg_oltp__message_changes') }}
    where is_valid

),

candidates as (

    {#- The changes of the messages to re-decide (all of them on a full
        build). -#}
    {{ touched_key_rows('valid_changes', 'message_id', by_decided_at=true) }}

),

current_state as (

    {{ cdc_current_rows('candidates', 'message_id') }}

),

final as (

    select
        ---------- ids
        message_id,
        case when has_image then conversation_id end as conversation_id,
        case when has_image then user_id end as user_id,
        ---------- attributes (null when no image of the message ever landed)
        case when has_image then message_role end as message_role,
        case when has_image then status end as status,
        case when has_image then response_ms end as response_ms,
        ---------- state
        is_deleted,
        ---------- timestamps
        case when has_image then created_at end as created_at,
        deleted_at,
        last_changed_at,
        ---------- lineage
        latest_lsn as source_lsn,
        attributes_lsn,
        last_change_loaded_at,
        change_count,
        ---------- bookkeeping
        {{ build_started_at() }} as decided_at
    from current_state

)

select * from final
