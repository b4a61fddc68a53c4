{#-
    Daily, weekly and monthly active users for every date of the data window,
    days without activity included (0). Trailing windows count what the data
    window holds, so they are never null at its start.

    Incremental (docs/performance/marts.md): a date whose user-days changed
    (changed_dates: their number or their latest decided_at differs from
    what its row recorded) re-decides its own row and the 29 after it, whose
    trailing windows hold it; the user-days read are only those inside the
    re-decided dates' windows. Rows of dates that left the data window are
    deleted by the post-hook, so the table equals a full refresh.
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

trailing_offsets as (

    {{ day_offsets(30) }}

),

changed as (

    {{ changed_dates('user_days', 'activity_date', 'dau', dates='window_dates') }}

),

redecided_dates as (

    {#- A changed date is in the trailing windows of itself and the 29 dates
        after it: all window dates on a full build. -#}
    {{ trailing_window_dates('changed', 30, 'window_dates') }}

),

first_window_date as (

    {#- The window of the first re-decided date starts 29 dates before it. -#}
    select {{ add_days('min(activity_date)', -29) }} as activity_date
    from redecided_dates

),

recent_user_days as (

    select user_days.*
    from user_days
    inner join first_window_date
        on user_days.activity_date >= first_window_date.activity_date

),

user_window_days as (

    {#- Each user-day expanded into the 30 dates whose trailing window holds
        it (day_offset 0 is the day itself), so every window is an equality
        join on the date, not a range join. -#}
    select
        {{ add_days('recent_user_days.activity_date', 'trailing_offsets.day_offset') }}
            as activity_date,
        trailing_offsets.day_offset,
        recent_user_days.user_id
    from recent_user_days
    cross join trailing_offsets

),

trailing_activity as (

    select
        redecided_dates.activity_date,
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
    from redecided_dates
    left join user_window_days
        on redecided_dates.activity_date = user_window_days.activity_date
    group by redecided_dates.activity_date

),

day_decisions as (

    select
        activity_date,
        max(decided_at) as inputs_decided_at
    from recent_user_days
    group by activity_date

),

final as (

    select
        trailing_activity.activity_date,
        cast(trailing_activity.dau as bigint) as dau,
        cast(trailing_activity.wau as bigint) as wau,
        cast(trailing_activity.mau as bigint) as mau,
        {{ safe_divide('trailing_activity.dau', 'trailing_activity.mau') }}
            as stickiness,
        ---------- timestamps
        day_decisions.inputs_decided_at
    from trailing_activity
    left join day_decisions
        on trailing_activity.activity_date = day_decisions.activity_date

)

select * from final
