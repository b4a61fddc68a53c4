{#-
    Current state of each subscription: its row with the latest updated_at,
    ties broken by the latest fetched_at. Every status counts.
-#}
with

valid_pulls as (

    select * from {{ ref('stg_billing__subscription_pulls') }}
    where quarantine_reason is null

),

ranked as (

    select
        *,
        row_number() over (
            partition by subscription_id
            order by
                updated_at desc nulls last,
                fetched_at desc nulls last,
                pull_row_id asc
        ) as recency_rank
    from valid_pulls

),

final as (

    select
        ---------- ids
        subscription_id,
        user_id,
        ---------- subscription
        plan,
        status,
        amount_cents,
        currency,
        ---------- timestamps
        started_at,
        canceled_at,
        updated_at,
        fetched_at
    from ranked
    where recency_rank = 1

)

select * from final
