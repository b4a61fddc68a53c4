-- The lenient floor (PostgreSQL): the floor of the runs before 2026-12-04,
-- kept only so that results stay comparable with them. It reads the
-- contract's six rules loosely (the engine's own JSON parser and timestamp
-- cast, a looser ISO-8601 pattern) and applies none of the boundary rules
-- of ADR 0007, so its answers differ from the build's (more events, days
-- outside the data window, invalid CDC changes): it times less work than
-- the project must do. The target is judged against floor_postgres.sql.
--   1. parse and validate every app event (JSON object, event_id, string
--      user_id, known event_type, ISO-8601 occurred_at, not future);
--   2. keep one copy per event_id (earliest received_at, then loaded_at);
--   3. daily active users (activity event types, by occurred date);
--   4. the latest CDC image of every message (highest source_lsn).
-- Results are materialised in schema bench_floor, dropped after counting.
-- Postgres 15 has no safe cast, so two session-local functions catch the
-- parse errors.

create or replace function pg_temp.try_jsonb(value text) returns jsonb
language plpgsql immutable as $$
begin
    return value::jsonb;
exception when others then
    return null;
end $$;

create or replace function pg_temp.try_utc(value text) returns timestamp
language plpgsql immutable as $$
begin
    return (value::timestamptz) at time zone 'UTC';
exception when others then
    return null;
end $$;

create schema if not exists bench_floor;

drop table if exists bench_floor.events;
create table bench_floor.events as
with parsed as (
    select
        event_id,
        received_at,
        loaded_at,
        payload,
        pg_temp.try_jsonb(payload) as doc
    from raw.app_events
),

timed as (
    select
        event_id,
        received_at,
        loaded_at,
        payload,
        jsonb_typeof(doc -> 'user_id') as user_id_type,
        doc ->> 'user_id' as user_id,
        doc ->> 'event_type' as event_type,
        case
            when (doc ->> 'occurred_at') ~ (
                '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$'
            )
                then pg_temp.try_utc(doc ->> 'occurred_at')
        end as occurred_at
    from parsed
    where jsonb_typeof(doc) = 'object'
)

select distinct on (event_id)
    event_id,
    user_id,
    event_type,
    occurred_at,
    received_at,
    loaded_at
from timed
where
    nullif(trim(event_id), '') is not null
    and user_id_type = 'string'
    and nullif(trim(user_id), '') is not null
    and event_type in (
        'session_start', 'session_end', 'message_sent',
        'feature_used', 'page_view', 'error'
    )
    and occurred_at is not null
    and occurred_at <= received_at + interval '5 minutes'
order by event_id, received_at, loaded_at, payload;

drop table if exists bench_floor.daily_active_users;
create table bench_floor.daily_active_users as
select
    cast(occurred_at as date) as activity_date,
    count(distinct user_id) as active_users
from bench_floor.events
where event_type in ('session_start', 'message_sent', 'feature_used', 'page_view')
group by 1;

drop table if exists bench_floor.messages;
create table bench_floor.messages as
with keyed as (
    select
        op,
        source_lsn,
        case when op = 'd' then pg_temp.try_jsonb(before)
            else pg_temp.try_jsonb(after) end as image
    from raw.messages_cdc
)

select distinct on (image ->> 'message_id')
    image ->> 'message_id' as message_id,
    op = 'd' as is_deleted,
    source_lsn,
    image
from keyed
where image ->> 'message_id' is not null
order by image ->> 'message_id', source_lsn desc;
