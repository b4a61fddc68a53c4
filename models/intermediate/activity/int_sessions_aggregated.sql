{#-
    One row per app session: the valid events of any type sharing a
    session_id that is not null or blank (staging nulls blank ids), whatever
    their user_id. The session belongs to the date of its first event.
-#}
with

events as (

    select * from {{ ref('stg_app__events') }}

),

sessions as (

    select
        session_id,
        min(occurred_at) as started_at,
        max(occurred_at) as ended_at,
        count(*) as session_events
    from events
    where session_id is not null
    group by session_id

),

final as (

    select
        ---------- ids
        session_id,
        ---------- session
        cast(started_at as date) as session_date,
        session_events,
        {{ seconds_between('started_at', 'ended_at') }} as duration_seconds,
        ---------- timestamps
        started_at,
        ended_at
    from sessions

)

select * from final
