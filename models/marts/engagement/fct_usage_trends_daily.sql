{#-
    Messages sent and active users per date of the data window (days without
    activity included), with a 7-day mean of messages over the days of
    [date - 6, date] that lie inside the window: the window starts the spine,
    so the first days average fewer than seven days.
-#}
with

dates as (

    select * from {{ ref('dim_dates') }}

),

user_days as (

    select * from {{ ref('int_user_days_aggregated') }}

),

daily_usage as (

    select
        activity_date,
        count(*) as dau,
        sum(messages_sent) as messages_sent
    from user_days
    group by activity_date

),

window_days as (

    select
        dates.date_day as activity_date,
        coalesce(daily_usage.messages_sent, 0) as messages_sent,
        coalesce(daily_usage.dau, 0) as dau
    from dates
    left join daily_usage
        on dates.date_day = daily_usage.activity_date
    where dates.is_in_data_window

),

trends as (

    select
        *,
        avg(cast(messages_sent as double precision)) over (
            order by activity_date
            rows between 6 preceding and current row
        ) as messages_sent_7d_avg
    from window_days

),

final as (

    select
        activity_date,
        cast(messages_sent as bigint) as messages_sent,
        cast(dau as bigint) as dau,
        {{ safe_divide('messages_sent', 'dau') }} as messages_per_active_user,
        messages_sent_7d_avg
    from trends

)

select * from final
