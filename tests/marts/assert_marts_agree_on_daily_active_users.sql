{#-
    Cross-mart consistency: every user has exactly one region, so a date's
    regional active users sum to its DAU; the usage trends carry the same DAU;
    and DAU <= WAU <= MAU. Returns the dates where any of it breaks.
-#}
with

daily_active_users as (

    select * from {{ ref('fct_daily_active_users') }}

),

usage_trends as (

    select * from {{ ref('fct_usage_trends_daily') }}

),

regional_adoption as (

    select * from {{ ref('fct_regional_adoption_daily') }}

),

regional_totals as (

    select
        activity_date,
        sum(active_users) as active_users
    from regional_adoption
    group by activity_date

),

compared as (

    select
        daily_active_users.activity_date,
        daily_active_users.dau,
        daily_active_users.wau,
        daily_active_users.mau,
        usage_trends.dau as usage_trends_dau,
        coalesce(regional_totals.active_users, 0) as regional_active_users
    from daily_active_users
    left join usage_trends
        on daily_active_users.activity_date = usage_trends.activity_date
    left join regional_totals
        on daily_active_users.activity_date = regional_totals.activity_date

)

select *
from compared
where
    usage_trends_dau is null
    or usage_trends_dau != dau
    or regional_active_users != dau
    or dau > wau
    or wau > mau
