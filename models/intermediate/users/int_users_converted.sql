{#-
    One row per user with a subscription: the conversion time is the earliest
    started_at of all their subscriptions, whatever the current status, even
    when it precedes the account's created_at (billing can be first).
-#}
with

subscriptions as (

    select * from {{ ref('stg_billing__subscriptions') }}

),

final as (

    select
        user_id,
        min(started_at) as converted_at,
        count(*) as subscriptions
    from subscriptions
    where started_at is not null
    group by user_id

)

select * from final
