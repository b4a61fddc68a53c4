{#-
    Daily, weekly and monthly active users for every date of the data window,
    days without activity included (0). Trailing windows count what the data
    window holds, so they are never null at its start.
-#}
with

dates as (

    select * from {{ ref('dim_dates') }}

),

user_days as (

    select * from {{ ref('int_user_days_aggregated') }}

),

window_dates as (

    select date_day as activity_date
    from dates
    where is_in_data_window

),

trailing_offsets as (

    {{ day_offsets(30) }}

),

user_window_days as (

    {#- Each user-day expanded into the 30 dates whose trailing window holds
        it (day_offset 0 is the day itself), so every window is an equality
        join on the date, not a range join. -#}
    select
        {{ add_days('user_days.activity_date', 'trailing_offsets.day_offset') }}
            as activity_date,
        trailing_offsets.day_offset,
        user_days.user_id
    from user_days
    cross join trailing_offsets

),

trailing_activity as (

    select
        window_dates.activity_date,
        count(
            distinct case
                when user_window_days.day_offset = 0
                    then user_window_days.user_id
            end
        ) as dau,
        count(
            distinct case
                when user_window_days.day_offset < 7
                    then user_window_days.user_id
            end
        ) as wau,
        count(distinct user_window_days.user_id) as mau
    from window_dates
    left join user_window_days
        on window_dates.activity_date = user_window_days.activity_date
    group by window_dates.activity_date

),

final as (

    select
        activity_date,
        cast(dau as bigint) as dau,
        cast(wau as bigint) as wau,
        cast(mau as bigint) as mau,
        {{ safe_divide('dau', 'mau') }} as stickiness
    from trailing_activity

)

select * from final
