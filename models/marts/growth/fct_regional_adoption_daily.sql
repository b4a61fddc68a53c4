{#-
    Active and new users per date of the data window and region (by current
    country). user_ids unknown to the users table are in `Unknown`. A row
    exists where the region has active or new users that day.

    Incremental (docs/performance/marts.md): a region is the user's current
    country, so one user's move re-decides every date that user was active,
    which no input's change signal shows. Each run therefore computes every
    date from the compact user-days and writes only the dates with a row
    that is new, gone or changed; a run with nothing new writes nothing. A
    date with no row left gets a tombstone (active_users -1) that the
    post-hook deletes, so the table equals a full refresh.
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

series as (

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

),

built as (

    {{ built_rows('series') }}

),

changed as (

    {{ partitions_that_differ(
        'series', 'built', 'activity_date',
        key_columns=['region'],
        value_columns=['active_users', 'new_users', 'share_of_active']
    ) }}

),

final as (

    {{ rewritten_partitions('series', 'changed', 'activity_date', tombstone=[
        "cast('' as varchar(16))",
        'cast(-1 as bigint)',
        'cast(0 as bigint)',
        'cast(null as double precision)'
    ]) }}

)

select * from final
