{#-
    Assistant responses (docs/catalog/_metrics__docs.md): current
    chat.messages rows with role
    `assistant` that are not deleted, dated by the UTC date of created_at.
-#}
with

messages as (

    select * from {{ ref('stg_oltp__messages') }}

),

final as (

    select
        ---------- ids
        message_id,
        user_id,
        ---------- response
        status,
        coalesce(status = 'error', false) as is_error,
        response_ms,
        ---------- timestamps
        created_at,
        cast(created_at as date) as response_date,
        decided_at
    from messages
    where
        message_role = 'assistant'
        and not is_deleted

)

select * from final
