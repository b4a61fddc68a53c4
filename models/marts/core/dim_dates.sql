{#-
    The calendar of the marts: every date from the earliest signup or
    activity date to the last activity date, with its ISO week and month.
-#}
with

dates as (

    select * from {{ ref('int_dates_spined') }}

),

calendar as (

    select
        date_day,
        cast({{ dbt.date_trunc('week', 'date_day') }} as date) as week_start,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start,
        is_in_data_window
    from dates

),

weekdays as (

    select
        *,
        {{ dbt.datediff('week_start', 'date_day', 'day') }}
            as days_since_week_start
    from calendar

),

final as (

    select
        date_day,
        week_start,
        month_start,
        cast(days_since_week_start + 1 as integer) as iso_day_of_week,
        cast(extract(year from date_day) as integer) as calendar_year,
        cast(extract(month from date_day) as integer) as calendar_month,
        cast(extract(day from date_day) as integer) as day_of_month,
        days_since_week_start >= 5 as is_weekend,
        is_in_data_window
    from weekdays

)

select * from final
