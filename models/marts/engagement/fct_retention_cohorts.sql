{#-
    Day-1, day-7 and day-30 retention of each signup-date cohort. A cohort
    user is retained on day N when active exactly on cohort_date + N. The
    counts and rates are null when that date lies outside the data window:
    not observable yet, or before the data begins.
-#}
with

users as (

    select * from {{ ref('int_users_enriched') }}

),

user_days as (

    select * from {{ ref('int_user_days_aggregated') }}

),

activity_window as (

    select * from {{ ref('int_activity_windows_derived') }}

),

cohort_users as (

    select
        users.user_id,
        users.signup_date as cohort_date
    from users
    inner join activity_window
        on users.signup_date <= activity_window.last_date

),

returns as (

    select
        cohort_users.user_id,
        cohort_users.cohort_date,
        {{ dbt.datediff(
            'cohort_users.cohort_date', 'user_days.activity_date', 'day'
        ) }} as days_since_signup
    from cohort_users
    inner join user_days
        on
            cohort_users.user_id = user_days.user_id
            and cohort_users.cohort_date < user_days.activity_date
            and {{ add_days('cohort_users.cohort_date', 30) }}
            >= user_days.activity_date

),

cohorts as (

    select
        cohort_date,
        count(*) as cohort_size
    from cohort_users
    group by cohort_date

),

retained as (

    select
        cohort_date,
        count(distinct case when days_since_signup = 1 then user_id end) as retained_d1,
        count(distinct case when days_since_signup = 7 then user_id end) as retained_d7,
        count(distinct case when days_since_signup = 30 then user_id end)
            as retained_d30
    from returns
    group by cohort_date

),

observable as (

    select
        cohorts.cohort_date,
        cohorts.cohort_size,
        coalesce(retained.retained_d1, 0) as retained_d1,
        coalesce(retained.retained_d7, 0) as retained_d7,
        coalesce(retained.retained_d30, 0) as retained_d30,
        {{ add_days('cohorts.cohort_date', 1) }}
        between activity_window.first_date and activity_window.last_date
            as is_observable_d1,
        {{ add_days('cohorts.cohort_date', 7) }}
        between activity_window.first_date and activity_window.last_date
            as is_observable_d7,
        {{ add_days('cohorts.cohort_date', 30) }}
        between activity_window.first_date and activity_window.last_date
            as is_observable_d30
    from cohorts
    cross join activity_window
    left join retained
        on cohorts.cohort_date = retained.cohort_date

),

final as (

    select
        cohort_date,
        cast(cohort_size as bigint) as cohort_size,
        cast(case when is_observable_d1 then retained_d1 end as bigint)
            as retained_d1,
        case
            when is_observable_d1
                then {{ safe_divide('retained_d1', 'cohort_size') }}
        end as retention_d1,
        cast(case when is_observable_d7 then retained_d7 end as bigint)
            as retained_d7,
        case
            when is_observable_d7
                then {{ safe_divide('retained_d7', 'cohort_size') }}
        end as retention_d7,
        cast(case when is_observable_d30 then retained_d30 end as bigint)
            as retained_d30,
        case
            when is_observable_d30
                then {{ safe_divide('retained_d30', 'cohort_size') }}
        end as retention_d30
    from observable

)

select * from final
