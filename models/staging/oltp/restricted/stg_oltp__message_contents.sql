{#-
    Text of messages that exist now (personal data). Deleted messages have no
    row. A view, like stg_oltp__user_contacts: the text is read from the one
    image that gives each current message its attributes (the images were
    judged once, in base_oltp__messages_cdc).
-#}
with

current_messages as (

    select
        message_id,
        attributes_lsn
    from {{ ref('stg_oltp__messages') }}
    where not is_deleted

),

valid_changes as (

    select
        change_id,
        message_id,
        source_lsn,
        op,
        before,
        after
    from {{ ref('base_oltp__messages_cdc') }}
    where is_valid

),

current_images as (

    select
        current_messages.message_id,
        valid_changes.change_id,
        case
            when valid_changes.op = 'd' then valid_changes.before
            else valid_changes.after
        end as image
    from valid_changes
    inner join current_messages
        on
            valid_changes.message_id = current_messages.message_id
            and valid_changes.source_lsn = current_messages.attributes_lsn

),

parsed as (

    select
        *,
        {{ json_parse_object('image') }} as image_json
    from current_images
    {{ optimization_fence() }}

),

images as (

    select
        message_id,
        {{ landing_text(
            'messages_cdc', 'content', json_get_text('image_json', ['content'])
        ) }} as content,  -- noqa: RF04
        row_number() over (
            partition by message_id order by change_id
        ) as copy_rank
    from parsed

),

final as (

    select
        message_id,
        content
    from images
    where copy_rank = 1

)

select * from final
