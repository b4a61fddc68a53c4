{#-
    Messages sent and active users per date of the data window (days without
    activity included), with a 7-day mean of messages over the days of
    [date - 6, date] that lie inside the window: the window starts the spine,
    so the first days average fewer than seven days.

    Incremental (docs/performance/marts.md): a date whose user-days changed
    (changed_dates) re-decides its own row and the 6 after it, whose 7-day
    mean holds it; a date that joined or left the window counts as changed,
    so a moved window start re-decides the means it shifts. Rows of dates
    that left the window are deleted by the post-hook.
-#}
{{
    config(
        materialized='incremental',
        unique_key='activity_date',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=[
            "delete from {{ this }} where activity_date not in ("
            ~ "select date_day from {{ ref('dim_dates') }} where is_in_data_window)"
        ],
    )
}}

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

changed as (

    {{ changed_dates('user_days', 'activity_date', 'dau', dates='window_dates') }}

),

redecided_dates as (

    {#- A changed date is in the 7-day means of itself and the 6 dates after
        it: all window dates on a full build. -#}
    {{ trailing_window_dates('changed', 7, 'window_dates') }}

),

first_redecided as (

    {#- The mean of the first re-decided date reads the 6 dates before it. -#}
    select {{ add_days('min(activity_date)', -6) }} as activity_date
    from redecided_dates

),

daily_usage as (

    select
        user_days.activity_date,
        count(*) as dau,
        sum(user_days.messages_sent) as messages_sent,
        max(user_days.decided_at) as inputs_decided_at
    from user_days
    inner join first_redecided
        on user_days.activity_date >= first_redecided.activity_date
    group by user_days.activity_date

),

window_days as (

    select
        window_dates.activity_date,
        coalesce(daily_usage.messages_sent, 0) as messages_sent,
        coalesce(daily_usage.dau, 0) as dau,
        daily_usage.inputs_decided_at
    from window_dates
    inner join first_redecided
        on window_dates.activity_date >= first_redecided.activity_date
    left join daily_usage
        on window_dates.activity_date = daily_usage.activity_date

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
        trends.activity_date,
        cast(trends.messages_sent as bigint) as messages_sent,
        cast(trends.dau as bigint) as dau,
        {{ safe_divide('trends.messages_sent', 'trends.dau') }}
            as messages_per_active_user,
        trends.messages_sent_7d_avg,
        ---------- timestamps
        trends.inputs_decided_at
    from trends
    inner join redecided_dates
        on trends.activity_date = redecided_dates.activity_date

)

select * from final
