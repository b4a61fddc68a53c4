{#-
    Every row of raw.messages_cdc, parsed and judged once: the single place
    the images' JSON is read. Later models read its columns instead of
    parsing again: stg_oltp__message_changes (no message text), the
    quarantine, and stg_oltp__message_contents (which extracts the text from
    the images of current messages only). The images are kept as landed,
    message text included, hence the restricted schema; the text is not
    extracted into a column here.
-#}
{{
    config(
        materialized='incremental',
        unique_key='change_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        dist='message_id',
        sort=['loaded_at'],
        indexes=postgres_indexes([
            {'columns': ['change_id']},
            {'columns': ['loaded_at']},
            {'columns': ['message_id', 'source_lsn']},
        ]),
    )
}}

with

raw_changes as (

    select * from {{ source('oltp', 'messages_cdc') }}
    {% if is_incremental_run() %}
        where {{ unstaged_batches(source('oltp', 'messages_cdc')) }}
    {% endif %}

),

judged as (

    {{ cdc_judged_rows('raw_changes', 'messages_cdc', 'message_id') }}

),

images as (

    {#- Text first: the parsers repeat their argument many times. -#}
    select
        *,
        {{ json_get_text('image_json', ['response_ms']) }} as response_ms_text,
        {{ json_type_of('image_json', ['response_ms']) }} as response_ms_type
    from judged
    {{ optimization_fence() }}

),

final as (

    select
        ---------- ids
        change_id,
        {{ landing_text('messages_cdc', 'message_id', 'row_key') }} as message_id,
        {{ landing_text('messages_cdc', 'conversation_id', 'image_conversation_id') }}
            as conversation_id,
        {{ landing_text('messages_cdc', 'user_id', 'image_user_id') }} as user_id,
        ---------- change
        op,
        op = 'd' as is_delete,
        quarantine_reason,
        quarantine_reason is null as is_valid,
        ---------- attributes (null on a key-only delete)
        {{ landing_text('messages_cdc', 'role', 'image_role') }} as message_role,
        {{ landing_text('messages_cdc', 'status', 'image_status') }} as status,
        case
            when
                response_ms_type = 'number'
                and {{ regex_matches('response_ms_text', '^[0-9]{1,9}$') }}
                then cast(response_ms_text as integer)
        end as response_ms,
        created_at,
        ---------- ordering and timestamps
        source_lsn,
        source_ts_ms,
        committed_at,
        loaded_at,
        ---------- images as landed (personal data)
        before,
        after
    from images

)

select * from final
