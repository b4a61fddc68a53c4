{#-
    One row per app session: the valid events of any type sharing a
    session_id that is not null or blank (staging nulls blank ids), whatever
    their user_id. The session belongs to the date of its first event.

    Incremental (docs/performance/marts.md): a run rewrites only the sessions
    whose event count, start or end changed; a session whose events all left
    gets a tombstone (0 events) that the post-hook deletes, so the table
    equals a full refresh. Every row written carries `decided_at`, the
    build's start: fct_sessions_daily's change signal (changed_dates).
-#}
{{
    config(
        materialized='incremental',
        unique_key='session_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=postgres_indexes([{'columns': ['session_id']}]),
        post_hook=["delete from {{ this }} where session_events = 0"],
    )
}}

with

events as (

    select * from {{ ref('stg_app__events') }}

),

sessions as (

    select
        session_id,
        min(occurred_at) as started_at,
        max(occurred_at) as ended_at,
        cast(count(*) as bigint) as session_events
    from events
    where session_id is not null
    group by session_id

),

built as (

    {#- What the table holds; nothing on a full build, so the same query
        below then writes every session. -#}
    select
        session_id,
        started_at,
        ended_at,
        session_events
    {% if is_incremental_run() -%}
        from {{ this }}
    {%- else -%}
        from sessions
        where 1 = 0
    {%- endif %}

),

changed as (

    {#- New or changed sessions with their values; gone ones as tombstones. -#}
    select
        coalesce(sessions.session_id, built.session_id) as session_id,
        coalesce(sessions.started_at, built.started_at) as started_at,
        coalesce(sessions.ended_at, built.ended_at) as ended_at,
        coalesce(sessions.session_events, 0) as session_events
    from sessions
    full outer join built
        on sessions.session_id = built.session_id
    where
        built.session_id is null
        or sessions.session_id is null
        or sessions.session_events != built.session_events
        or sessions.started_at != built.started_at
        or sessions.ended_at != built.ended_at

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
        ended_at,
        {{ build_started_at() }} as decided_at
    from changed

)

select * from final
