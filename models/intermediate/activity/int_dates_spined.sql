{#-
    Every date from the earliest of (first activity date, earliest signup
    date) to the last activity date, built from a cross join of digits rather
    than dbt.date_spine, which queries the warehouse at compile time and so
    breaks the connection-less Redshift compile. Five digits cover 273 years.
-#}
with

activity_window as (

    select * from {{ ref('int_activity_windows_derived') }}

),

users as (

    select * from {{ ref('stg_oltp__users') }}

),

digits as (

    {% for digit in range(10) -%}
        select {{ digit }} as digit
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

day_offsets as (

    select
        ones.digit
        + 10 * tens.digit
        + 100 * hundreds.digit
        + 1000 * thousands.digit
        + 10000 * ten_thousands.digit as day_offset
    from digits as ones
    cross join digits as tens
    cross join digits as hundreds
    cross join digits as thousands
    cross join digits as ten_thousands

),

bounds as (

    select
        activity_window.first_date,
        activity_window.last_date,
        case
            when min(users.signup_date) < activity_window.first_date
                then min(users.signup_date)
            else activity_window.first_date
        end as spine_start_date
    from activity_window
    left join users
        on activity_window.last_date >= users.signup_date
    group by activity_window.first_date, activity_window.last_date

),

spined as (

    select
        {{ add_days('bounds.spine_start_date', 'day_offsets.day_offset') }} as date_day,
        bounds.first_date,
        bounds.last_date
    from bounds
    cross join day_offsets
    where
        day_offsets.day_offset
        <= {{ dbt.datediff('bounds.spine_start_date', 'bounds.last_date', 'day') }}

),

final as (

    select
        date_day,
        date_day >= first_date as is_in_data_window
    from spined

)

select * from final
