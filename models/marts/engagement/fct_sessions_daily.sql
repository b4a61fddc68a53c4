{#-
    Sessions per date of their first event, with mean and median duration in
    seconds (fractions kept; a one-event session lasts 0 seconds).

    Incremental (docs/performance/marts.md): only the dates whose sessions
    changed (changed_dates) are re-decided. A date left without sessions
    gets a tombstone (0 sessions) that replaces its row and that the
    post-hook deletes, so the table equals a full refresh.
-#}
{{
    config(
        materialized='incremental',
        unique_key='session_date',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=["delete from {{ this }} where sessions = 0"],
    )
}}

with

sessions as (

    select * from {{ ref('int_sessions_aggregated') }}

),

changed as (

    {{ changed_dates('sessions', 'session_date', 'sessions') }}

),

redecided as (

    select
        sessions.session_date,
        cast(count(*) as bigint) as sessions,
        avg(sessions.duration_seconds) as avg_duration_seconds,
        {{ percentile_cont(0.5, 'sessions.duration_seconds') }}
            as median_duration_seconds,
        max(sessions.decided_at) as inputs_decided_at
    from sessions
    inner join changed
        on sessions.session_date = changed.session_date
    group by sessions.session_date

),

final as (

    {#- The re-decided dates, and tombstones for dates with no session
        left. #}
    select * from redecided
    union all
    select
        changed.session_date,
        cast(0 as bigint) as sessions,
        cast(null as double precision) as avg_duration_seconds,
        cast(null as double precision) as median_duration_seconds,
        cast(null as timestamp) as inputs_decided_at
    from changed
    left join redecided
        on changed.session_date = redecided.session_date
    where redecided.session_date is null

)

select * from final
