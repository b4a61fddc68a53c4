{#-
    Active users per date of the data window, platform, plan on that date and
    engagement tier. A user active on two platforms in a day counts in both;
    user_ids unknown to the users table have plan `unknown`.

    Incremental (docs/performance/marts.md): a plan correction re-decides
    every date of its user, which no input's change signal shows. Each run
    therefore computes every date from the compact user-day intermediates
    and writes only the dates with a row that is new, gone or changed; a run
    with nothing new writes nothing. A date with no row left gets a
    tombstone (active_users -1) that the post-hook deletes, so the table
    equals a full refresh.
-#}
{{
    config(
        materialized='incremental',
        unique_key='activity_date',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=["delete from {{ this }} where active_users < 0"],
    )
}}

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

series as (

    select
        activity_date,
        cast(platform as varchar(32)) as platform,
        cast(plan as varchar(32)) as plan,
        cast(engagement_tier as varchar(16)) as engagement_tier,
        cast(count(distinct user_id) as bigint) as active_users
    from segmented
    group by activity_date, platform, plan, engagement_tier

),

built as (

    {{ built_rows('series') }}

),

changed as (

    {{ partitions_that_differ(
        'series', 'built', 'activity_date',
        key_columns=['platform', 'plan', 'engagement_tier'],
        value_columns=['active_users']
    ) }}

),

final as (

    {{ rewritten_partitions('series', 'changed', 'activity_date', tombstone=[
        "cast('' as varchar(32))",
        "cast('' as varchar(32))",
        "cast('' as varchar(16))",
        'cast(-1 as bigint)'
    ]) }}

)

select * from final
