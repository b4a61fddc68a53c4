{#-
    One row per raw chat.messages change event, without the message text:
    the columns of base_oltp__messages_cdc (which parses and judges every
    raw row once) minus the images, so `content` stays restricted. Every
    row written carries `decided_at`, the build's start: stg_oltp__messages
    re-decides the messages of the rows written since it last wrote
    (touched_key_rows).
-#}
{{
    config(
        materialized='incremental',
        unique_key='change_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        dist='message_id',
        sort=['loaded_at'],
        indexes=postgres_indexes([{'columns': ['change_id']}, {'columns': ['loaded_at']}]),
    )
}}

with

base_changes as (

    {#- Parsed and judged once, in base_oltp__messages_cdc; the batches not yet
        copied here (the same cursor, one row per raw row). -#}
    select * from {{ ref('base_oltp__messages_cdc') }}
    {% if is_incremental_run() %}
        where {{ unstaged_batches(ref('base_oltp__messages_cdc')) }}
    {% endif %}

),

final as (

    select
        ---------- ids
        change_id,
        message_id,
        conversation_id,
        user_id,
        ---------- change
        op,
        is_delete,
        quarantine_reason,
        is_valid,
        ---------- attributes (null on a key-only delete)
        message_role,
        status,
        response_ms,
        created_at,
        ---------- ordering and timestamps
        source_lsn,
        source_ts_ms,
        committed_at,
        loaded_at,
        ---------- bookkeeping
        {{ build_started_at() }} as decided_at
    from base_changes

)

select * from final
