{#-
    Active users per date of the data window, platform, plan on that date and
    engagement tier. A user active on two platforms in a day counts in both;
    user_ids unknown to the users table have plan `unknown`.
-#}
with

user_days as (

    select * from {{ ref('int_user_days_aggregated') }}

),

platform_days as (

    select * from {{ ref('int_user_platform_days_aggregated') }}

),

plan_periods as (

    select * from {{ ref('int_user_plan_periods_resolved') }}

),

segmented as (

    select
        platform_days.activity_date,
        platform_days.platform,
        coalesce(plan_periods.plan, 'unknown') as plan,
        user_days.engagement_tier,
        platform_days.user_id
    from platform_days
    inner join user_days
        on
            platform_days.user_id = user_days.user_id
            and platform_days.activity_date = user_days.activity_date
    left join plan_periods
        on
            platform_days.user_id = plan_periods.user_id
            and platform_days.activity_date >= plan_periods.valid_from_date
            and platform_days.activity_date < plan_periods.valid_to_date

),

final as (

    select
        activity_date,
        cast(platform as varchar(32)) as platform,
        cast(plan as varchar(32)) as plan,
        cast(engagement_tier as varchar(16)) as engagement_tier,
        cast(count(distinct user_id) as bigint) as active_users
    from segmented
    group by activity_date, platform, plan, engagement_tier

)

select * from final
