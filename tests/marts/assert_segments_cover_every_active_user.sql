{#-
    Each active user is in at least one platform segment of the day and in
    exactly one plan and tier, so the segments' active users are at least the
    DAU and, per platform, at most the DAU. Returns the dates that break it.
-#}
with

daily_active_users as (

    select * from {{ ref('fct_daily_active_users') }}

),

segments as (

    select * from {{ ref('fct_active_users_by_segment_daily') }}

),

platform_totals as (

    select
        activity_date,
        platform,
        sum(active_users) as active_users
    from segments
    group by activity_date, platform

),

daily_totals as (

    select
        activity_date,
        sum(active_users) as segment_active_users,
        max(active_users) as largest_platform_active_users
    from platform_totals
    group by activity_date

),

compared as (

    select
        daily_active_users.activity_date,
        daily_active_users.dau,
        coalesce(daily_totals.segment_active_users, 0) as segment_active_users,
        coalesce(daily_totals.largest_platform_active_users, 0)
            as largest_platform_active_users
    from daily_active_users
    left join daily_totals
        on daily_active_users.activity_date = daily_totals.activity_date

)

select *
from compared
where
    segment_active_users < dau
    or largest_platform_active_users > dau
