{#-
    Active and new users per date of the data window and region (by current
    country). user_ids unknown to the users table are in `Unknown`. A row
    exists where the region has active or new users that day.
-#}
with

dates as (

    select * from {{ ref('dim_dates') }}

),

user_days as (

    select * from {{ ref('int_user_days_aggregated') }}

),

users as (

    select * from {{ ref('int_users_enriched') }}

),

window_dates as (

    select date_day as activity_date
    from dates
    where is_in_data_window

),

active as (

    select
        user_days.activity_date,
        coalesce(users.region, 'Unknown') as region,
        count(*) as active_users
    from user_days
    left join users
        on user_days.user_id = users.user_id
    group by user_days.activity_date, coalesce(users.region, 'Unknown')

),

signups as (

    select
        signup_date as activity_date,
        region,
        count(*) as new_users
    from users
    where signup_date is not null
    group by signup_date, region

),

daily_active as (

    select
        activity_date,
        count(*) as dau
    from user_days
    group by activity_date

),

regions as (

    select
        activity_date,
        region
    from active
    union
    select
        activity_date,
        region
    from signups

),

final as (

    select
        regions.activity_date,
        cast(regions.region as varchar(16)) as region,
        cast(coalesce(active.active_users, 0) as bigint) as active_users,
        cast(coalesce(signups.new_users, 0) as bigint) as new_users,
        {{ safe_divide('coalesce(active.active_users, 0)', 'daily_active.dau') }}
            as share_of_active
    from regions
    inner join window_dates
        on regions.activity_date = window_dates.activity_date
    left join active
        on
            regions.activity_date = active.activity_date
            and regions.region = active.region
    left join signups
        on
            regions.activity_date = signups.activity_date
            and regions.region = signups.region
    left join daily_active
        on regions.activity_date = daily_active.activity_date

)

select * from final
