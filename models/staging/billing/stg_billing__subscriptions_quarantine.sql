{#- Billing rows that cannot be attributed, with the reason. -#}
with

pulls as (

    select * from {{ ref('stg_billing__subscription_pulls') }}

),

final as (

    select
        pull_row_id,
        subscription_id,
        user_id,
        quarantine_reason,
        plan,
        status,
        amount_cents,
        currency,
        started_at,
        canceled_at,
        updated_at,
        fetched_at
    from pulls
    where quarantine_reason is not null

)

select * from final
