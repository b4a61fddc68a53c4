{#-
    One row per user and activity date: the compact grain that every activity
    metric (DAU/WAU/MAU, retention, churn, regions, segments) starts from.
    user_ids unknown to the users table are kept: the metric
    definitions count them.
-#}
with

events as (

    select * from {{ ref('stg_app__events') }}

),

activity_events as (

    select
        user_id,
        occurred_date as activity_date,
        event_type
    from events
    where event_type in ({{ sql_string_list(var('activity_event_types')) }})

),

user_days as (

    select
        user_id,
        activity_date,
        count(*) as activity_events,
        sum(case when event_type = 'message_sent' then 1 else 0 end) as messages_sent
    from activity_events
    group by user_id, activity_date

),

trailing_activity as (

    {#- A self-join, not a range window: Redshift frames count rows only. -#}
    select
        user_days.user_id,
        user_days.activity_date,
        count(*) as active_days_28d
    from user_days
    inner join user_days as earlier_days
        on
            user_days.user_id = earlier_days.user_id
            and user_days.activity_date >= earlier_days.activity_date
            and {{ add_days('user_days.activity_date', -28) }}
            < earlier_days.activity_date
    group by user_days.user_id, user_days.activity_date

),

final as (

    select
        ---------- ids
        user_days.user_id,
        user_days.activity_date,
        ---------- activity
        user_days.activity_events,
        cast(user_days.messages_sent as bigint) as messages_sent,
        trailing_activity.active_days_28d,
        case
            when trailing_activity.active_days_28d >= 15 then 'power'
            when trailing_activity.active_days_28d >= 5 then 'core'
            else 'casual'
        end as engagement_tier
    from user_days
    inner join trailing_activity
        on
            user_days.user_id = trailing_activity.user_id
            and user_days.activity_date = trailing_activity.activity_date

)

select * from final
