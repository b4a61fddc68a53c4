{#-
    Sessions per date of their first event, with mean and median duration in
    seconds (fractions kept; a one-event session lasts 0 seconds).
-#}
with

sessions as (

    select * from {{ ref('int_sessions_aggregated') }}

),

final as (

    select
        session_date,
        cast(count(*) as bigint) as sessions,
        avg(duration_seconds) as avg_duration_seconds,
        {{ percentile_cont(0.5, 'duration_seconds') }} as median_duration_seconds
    from sessions
    group by session_date

)

select * from final
