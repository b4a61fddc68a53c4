-- The lenient floor (DuckDB): the floor of the bench runs before 2026-12-04,
-- kept only so that results stay comparable with them. It reads the
-- contract's six rules loosely (the engine's own JSON parser and timestamp
-- cast, a looser ISO-8601 pattern) and applies none of the boundary rules
-- of ADR 0007, so its answers differ from the build's (more events, days
-- outside the data window, invalid CDC changes): it times less work than
-- the project must do. The target is judged against floor_duckdb.sql.
--   1. parse and validate every app event (JSON object, event_id, string
--      user_id, known event_type, ISO-8601 occurred_at, not future);
--   2. keep one copy per event_id (earliest received_at, then loaded_at);
--   3. daily active users (activity event types, by occurred date);
--   4. the latest CDC image of every message (highest source_lsn).
-- Results are materialised in schema bench_floor, dropped after counting.

create schema if not exists bench_floor;

create or replace table bench_floor.events as
with parsed as (
    select
        event_id,
        received_at,
        loaded_at,
        payload,
        try_cast(payload as json) as doc
    from raw.app_events
),

extracted as (
    select
        event_id,
        received_at,
        loaded_at,
        payload,
        json_type(doc, '$.user_id') as user_id_type,
        json_extract_string(doc, '$.user_id') as user_id,
        json_extract_string(doc, '$.event_type') as event_type,
        json_extract_string(doc, '$.occurred_at') as occurred_at_text
    from parsed
    where json_type(doc) = 'OBJECT'
),

timed as (
    select
        *,
        case
            when regexp_full_match(
                occurred_at_text,
                '\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})'
            )
                then timezone('UTC', try_cast(occurred_at_text as timestamptz))
        end as occurred_at
    from extracted
),

valid as (
    select *
    from timed
    where
        nullif(trim(event_id), '') is not null
        and user_id_type = 'VARCHAR'
        and nullif(trim(user_id), '') is not null
        and event_type in (
            'session_start', 'session_end', 'message_sent',
            'feature_used', 'page_view', 'error'
        )
        and occurred_at is not null
        and occurred_at <= received_at + interval 5 minute
)

select
    event_id,
    user_id,
    event_type,
    occurred_at,
    received_at,
    loaded_at
from valid
qualify row_number() over (
    partition by event_id order by received_at, loaded_at, payload
) = 1;

create or replace table bench_floor.daily_active_users as
select
    cast(occurred_at as date) as activity_date,
    count(distinct user_id) as active_users
from bench_floor.events
where event_type in ('session_start', 'message_sent', 'feature_used', 'page_view')
group by 1;

create or replace table bench_floor.messages as
with keyed as (
    select
        op,
        source_lsn,
        case when op = 'd' then try_cast(before as json)
            else try_cast(after as json) end as image
    from raw.messages_cdc
)

select
    json_extract_string(image, '$.message_id') as message_id,
    op = 'd' as is_deleted,
    source_lsn,
    image
from keyed
where json_extract_string(image, '$.message_id') is not null
qualify row_number() over (
    partition by json_extract_string(image, '$.message_id')
    order by source_lsn desc
) = 1;
