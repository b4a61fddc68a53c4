{#-
    Every raw row landed up to monitoring_as_of, from all four raw tables, as
    (source_name, table_name, loaded_at, received_at): the one place the
    monitoring views read the landing from. received_at exists only for
    app_events; billing's landing time is its fetched_at. Rows landed after
    monitoring_as_of are not seen, so a pinned instant reproduces the past.
-#}
with

app_events as (

    select * from {{ source('app', 'app_events') }}

),

users_cdc as (

    select * from {{ source('oltp', 'users_cdc') }}

),

messages_cdc as (

    select * from {{ source('oltp', 'messages_cdc') }}

),

billing_subscriptions as (

    select * from {{ source('billing', 'billing_subscriptions') }}

),

as_of as (

    select {{ monitoring_as_of() }} as monitoring_as_of

),

loads as (

    select
        'app' as source_name,
        'app_events' as table_name,
        loaded_at,
        received_at
    from app_events
    union all
    select
        'oltp' as source_name,
        'users_cdc' as table_name,
        loaded_at,
        cast(null as timestamp) as received_at
    from users_cdc
    union all
    select
        'oltp' as source_name,
        'messages_cdc' as table_name,
        loaded_at,
        cast(null as timestamp) as received_at
    from messages_cdc
    union all
    select
        'billing' as source_name,
        'billing_subscriptions' as table_name,
        fetched_at as loaded_at,
        cast(null as timestamp) as received_at
    from billing_subscriptions

),

final as (

    select
        cast(loads.source_name as varchar(64)) as source_name,
        cast(loads.table_name as varchar(64)) as table_name,
        loads.loaded_at,
        loads.received_at
    from loads
    cross join as_of
    where loads.loaded_at <= as_of.monitoring_as_of

)

select * from final
