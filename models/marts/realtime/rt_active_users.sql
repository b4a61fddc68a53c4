{#-
    Active users in the last 5, 15 and 60 minutes before as_of, the latest
    received_at among valid events (the newest data, not the wall clock).
    Windows are (as_of - w, as_of] on received_at.
-#}
with

events as (

    select * from {{ ref('stg_app__events') }}

),

as_of as (

    select max(received_at) as as_of
    from events

),

recent_activity as (

    select
        events.user_id,
        events.received_at,
        as_of.as_of
    from events
    cross join as_of
    where
        {{ is_activity_event('events.event_type') }}
        and events.received_at > {{ dbt.dateadd('minute', -60, 'as_of.as_of') }}
        and events.received_at <= as_of.as_of

),

final as (

    select
        as_of.as_of,
        count(
            distinct case
                when
                    recent_activity.received_at
                    > {{ dbt.dateadd('minute', -5, 'as_of.as_of') }}
                    then recent_activity.user_id
            end
        ) as active_users_5m,
        count(
            distinct case
                when
                    recent_activity.received_at
                    > {{ dbt.dateadd('minute', -15, 'as_of.as_of') }}
                    then recent_activity.user_id
            end
        ) as active_users_15m,
        count(distinct recent_activity.user_id) as active_users_60m
    from as_of
    left join recent_activity
        on as_of.as_of = recent_activity.as_of
    group by as_of.as_of

)

select * from final
