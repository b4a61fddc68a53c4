{#-
    Monthly churn: of the users active at least once in month M - 1, those not
    active at all in M. Only months whose previous month begins on or after
    the first date and which end on or before the last date: both months are
    then wholly inside the data window.
-#}
with

dates as (

    select * from {{ ref('dim_dates') }}

),

user_days as (

    select * from {{ ref('int_user_days_aggregated') }}

),

activity_window as (

    select * from {{ ref('int_activity_windows_derived') }}

),

user_months as (

    select distinct
        user_id,
        cast({{ dbt.date_trunc('month', 'activity_date') }} as date) as month_start
    from user_days

),

months as (

    {#- From the date spine, so a month without any activity still counts. -#}
    select distinct
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start
    from dates
    where is_in_data_window

),

eligible_months as (

    select
        months.month_start,
        cast(
            {{ dbt.dateadd('month', -1, 'months.month_start') }} as date
        ) as previous_month_start
    from months
    cross join activity_window
    where
        {{ dbt.dateadd('month', -1, 'months.month_start') }}
        >= activity_window.first_date
        and {{ dbt.dateadd('month', 1, 'months.month_start') }}
        <= {{ dbt.dateadd('day', 1, 'activity_window.last_date') }}

),

churn as (

    select
        eligible_months.month_start,
        count(previous_month.user_id) as active_users_previous_month,
        sum(
            case
                when
                    previous_month.user_id is not null
                    and current_month.user_id is null
                    then 1
                else 0
            end
        ) as churned_users
    from eligible_months
    left join user_months as previous_month
        on eligible_months.previous_month_start = previous_month.month_start
    left join user_months as current_month
        on
            previous_month.user_id = current_month.user_id
            and eligible_months.month_start = current_month.month_start
    group by eligible_months.month_start

),

final as (

    select
        month_start,
        cast(active_users_previous_month as bigint) as active_users_previous_month,
        cast(churned_users as bigint) as churned_users,
        {{ safe_divide('churned_users', 'active_users_previous_month') }} as churn_rate
    from churn

)

select * from final
