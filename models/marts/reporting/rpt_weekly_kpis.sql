{#-
    Weekly KPIs per ISO week (Monday start) overlapping the data window.
    Activity figures use the week's days inside the window; signups, messages,
    assistant responses and conversion use all seven days of the week.
-#}
with

daily_active_users as (

    select * from {{ ref('fct_daily_active_users') }}

),

usage_trends as (

    select * from {{ ref('fct_usage_trends_daily') }}

),

conversion as (

    select * from {{ ref('fct_conversion') }}

),

responses as (

    select * from {{ ref('int_assistant_responses_filtered') }}

),

users as (

    select * from {{ ref('int_users_enriched') }}

),

activity_weeks as (

    select
        cast({{ dbt.date_trunc('week', 'activity_date') }} as date) as week_start,
        activity_date,
        dau,
        wau,
        row_number() over (
            partition by {{ dbt.date_trunc('week', 'activity_date') }}
            order by activity_date desc
        ) as days_from_week_end
    from daily_active_users

),

weeks as (

    select
        week_start,
        avg(cast(dau as double precision)) as avg_dau,
        max(case when days_from_week_end = 1 then wau end) as wau_at_week_end
    from activity_weeks
    group by week_start

),

weekly_signups as (

    select
        cast({{ dbt.date_trunc('week', 'signup_date') }} as date) as week_start,
        count(*) as new_users
    from users
    where signup_date is not null
    group by week_start

),

weekly_messages as (

    select
        cast({{ dbt.date_trunc('week', 'activity_date') }} as date) as week_start,
        sum(messages_sent) as messages_sent
    from usage_trends
    group by week_start

),

weekly_responses as (

    select
        cast({{ dbt.date_trunc('week', 'response_date') }} as date) as week_start,
        count(*) as responses,
        sum(case when is_error then 1 else 0 end) as error_responses,
        {{ percentile_cont(0.95, 'response_ms') }} as p95_response_ms
    from responses
    group by week_start

),

weekly_conversion as (

    {#- Null unless every signup cohort of the week is observable. -#}
    select
        cast({{ dbt.date_trunc('week', 'cohort_date') }} as date) as week_start,
        sum(signups) as signups,
        sum(converted_d30) as converted_d30,
        min(case when converted_d30 is null then 0 else 1 end) as all_observable
    from conversion
    group by week_start

),

final as (

    select
        weeks.week_start,
        weeks.avg_dau,
        cast(weeks.wau_at_week_end as bigint) as wau_at_week_end,
        cast(coalesce(weekly_signups.new_users, 0) as bigint) as new_users,
        cast(coalesce(weekly_messages.messages_sent, 0) as bigint) as messages_sent,
        {{ safe_divide(
            'weekly_responses.error_responses', 'weekly_responses.responses'
        ) }} as assistant_error_rate,
        weekly_responses.p95_response_ms,
        case
            when weekly_conversion.all_observable = 1
                then {{ safe_divide(
                    'weekly_conversion.converted_d30', 'weekly_conversion.signups'
                ) }}
        end as conversion_rate_d30
    from weeks
    left join weekly_signups
        on weeks.week_start = weekly_signups.week_start
    left join weekly_messages
        on weeks.week_start = weekly_messages.week_start
    left join weekly_responses
        on weeks.week_start = weekly_responses.week_start
    left join weekly_conversion
        on weeks.week_start = weekly_conversion.week_start

)

select * from final
