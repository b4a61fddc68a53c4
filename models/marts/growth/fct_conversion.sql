{#-
    Day-30 conversion of each signup-date cohort: users whose conversion time
    (earliest subscription start, any status) is at most 720 hours after their
    created_at, billing-first users included. Null while cohort_date + 30 is
    after the last date: the cohort cannot be judged yet.
-#}
with

users as (

    select * from {{ ref('int_users_enriched') }}

),

activity_window as (

    select * from {{ ref('int_activity_windows_derived') }}

),

cohort_users as (

    select
        users.user_id,
        users.signup_date as cohort_date,
        coalesce(
            users.converted_at <= {{ dbt.dateadd('hour', 720, 'users.created_at') }},
            false
        ) as is_converted_d30
    from users
    inner join activity_window
        on users.signup_date <= activity_window.last_date

),

cohorts as (

    select
        cohort_date,
        count(*) as signups,
        sum(case when is_converted_d30 then 1 else 0 end) as converted_d30
    from cohort_users
    group by cohort_date

),

observable as (

    select
        cohorts.*,
        {{ add_days('cohorts.cohort_date', 30) }}
        <= activity_window.last_date as is_observable
    from cohorts
    cross join activity_window

),

final as (

    select
        cohort_date,
        cast(signups as bigint) as signups,
        cast(case when is_observable then converted_d30 end as bigint)
            as converted_d30,
        case
            when is_observable then {{ safe_divide('converted_d30', 'signups') }}
        end as conversion_rate_d30
    from observable

)

select * from final
