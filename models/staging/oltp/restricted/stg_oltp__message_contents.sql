{#-
    Text of messages that exist now (personal data). Deleted messages have no
    row. A view over raw, like stg_oltp__user_contacts.
-#}
with

{{ cdc_parse_ctes(source('oltp', 'messages_cdc'), 'message_id') }},

current_messages as (

    select
        message_id,
        attributes_lsn
    from {{ ref('stg_oltp__messages') }}
    where not is_deleted

),

images as (

    select
        current_messages.message_id,
        {{ landing_text('messages_cdc', 'content', json_get_text('cdc_judged.image_json', ['content'])) }}
            as content,  -- noqa: RF04
        row_number() over (
            partition by current_messages.message_id order by cdc_judged.change_id
        ) as copy_rank
    from cdc_judged
    inner join current_messages
        on
            cdc_judged.row_key = current_messages.message_id
            and cdc_judged.source_lsn = current_messages.attributes_lsn
    where cdc_judged.quarantine_reason is null

),

final as (

    select
        message_id,
        content
    from images
    where copy_rank = 1

)

select * from final
