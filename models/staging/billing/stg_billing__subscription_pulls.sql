{#-
    Every row the billing API returned, judged: a row without a subscription
    or a user cannot be attributed and is quarantined with its reason.
-#}
with

raw_pulls as (

    select * from {{ source('billing', 'billing_subscriptions') }}

),

identified as (

    select
        *,
        {{ dbt.hash(
            "coalesce(subscription_id, '') || '|' || coalesce(user_id, '')"
            ~ " || '|' || coalesce(plan, '') || '|' || coalesce(status, '')"
            ~ " || '|' || coalesce(cast(amount_cents as " ~ dbt.type_string() ~ "), '')"
            ~ " || '|' || coalesce(currency, '')"
            ~ " || '|' || coalesce(cast(started_at as " ~ dbt.type_string() ~ "), '')"
            ~ " || '|' || coalesce(cast(canceled_at as " ~ dbt.type_string() ~ "), '')"
            ~ " || '|' || coalesce(cast(updated_at as " ~ dbt.type_string() ~ "), '')"
            ~ " || '|' || coalesce(cast(fetched_at as " ~ dbt.type_string() ~ "), '')"
        ) }} as row_hash
    from raw_pulls

),

final as (

    select
        ---------- ids
        row_hash || '-' || cast(
            row_number() over (partition by row_hash order by row_hash)
            as {{ dbt.type_string() }}
        ) as pull_row_id,
        subscription_id,
        user_id,
        ---------- validation
        case
            when {{ is_blank('subscription_id') }} then 'missing_subscription_id'
            when {{ is_blank('user_id') }} then 'missing_user_id'
        end as quarantine_reason,
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
    from identified

)

select * from final
