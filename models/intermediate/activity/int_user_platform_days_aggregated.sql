{#-
    One row per user, activity date and platform of that day's activity
    events: a user active on two platforms in a day has two rows, and counts
    in both platform segments.
-#}
with

events as (

    select * from {{ ref('stg_app__events') }}

),

final as (

    select
        user_id,
        occurred_date as activity_date,
        {#- The contract lists three platforms but does not require one. -#}
        coalesce(platform, 'unknown') as platform,
        count(*) as activity_events
    from events
    where event_type in ({{ sql_string_list(var('activity_event_types')) }})
    group by user_id, occurred_date, coalesce(platform, 'unknown')

)

select * from final
