{#-
    Daily, weekly and monthly active users for every date of the data window,
    days without activity included (0). Trailing windows count what the data
    window holds, so they are never null at its start.
-#}
with

dates as (

    select * from {{ ref('int_dates_spined') }}

),

user_days as (

    select * from {{ ref('int_user_days_aggregated') }}

),

window_dates as (

    select date_day as activity_date
    from dates
    where is_in_data_window

),

trailing_activity as (

    {#- Each date meets the user-days of the 30 days ending on it. -#}
    select
        window_dates.activity_date,
        count(
            distinct case
                when user_days.activity_date = window_dates.activity_date
                    then user_days.user_id
            end
        ) as dau,
        count(
            distinct case
                when
                    user_days.activity_date
                    > {{ add_days('window_dates.activity_date', -7) }}
                    then user_days.user_id
            end
        ) as wau,
        count(distinct user_days.user_id) as mau
    from window_dates
    left join user_days
        on
            window_dates.activity_date >= user_days.activity_date
            and {{ add_days('window_dates.activity_date', -30) }}
            < user_days.activity_date
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
