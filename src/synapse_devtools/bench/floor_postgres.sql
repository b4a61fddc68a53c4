-- The floor on PostgreSQL: the same least work as floor_duckdb.sql (the
-- answers the project gives, and nothing more), written the way Postgres
-- does it best (distinct on instead of qualify). Postgres 15 has no safe
-- cast, so session-local functions catch the parse errors.
-- Results are materialised (as the dbt build does) in schema bench_floor.
-- `as materialized` where a CTE's parsed JSON is read several times:
-- inlined, each read would call the parse function again.

-- A JSON object by the strict reading every engine shares (ADR 0007): jsonb
-- refuses NaN, trailing commas and \u0000 itself; a key repeated in the
-- object or one level down makes it no object (jsonb would keep the last).
create or replace function pg_temp.strict_object(value text) returns jsonb
language plpgsql immutable as $$
declare
    parsed jsonb;
    verbatim json;
begin
    parsed := value::jsonb;
    if jsonb_typeof(parsed) != 'object' then
        return null;
    end if;
    verbatim := value::json;
    if (select count(*) from json_object_keys(verbatim))
        != (select count(*) from jsonb_object_keys(parsed)) then
        return null;
    end if;
    if exists (
        select 1
        from json_each(verbatim) as member
        where
            json_typeof(member.value) = 'object'
            and (select count(*) from json_object_keys(member.value))
            != (select count(distinct key) from json_object_keys(member.value) as key)
    ) then
        return null;
    end if;
    return parsed;
exception when others then
    return null;
end $$;

-- Strict ISO-8601 with an offset, read as UTC (null when not).
create or replace function pg_temp.iso_utc(value text) returns timestamp
language plpgsql immutable as $$
begin
    if value !~ ('^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-'
        '(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{1,6})?'
        '(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9]|[+-]14:00)$') then
        return null;
    end if;
    return (value::timestamptz) at time zone 'UTC';
exception when others then
    return null;
end $$;

create or replace function pg_temp.is_blank(value text) returns boolean
language sql immutable as $$
    select coalesce(length(translate(value, E' \t\n\r', '')), 0) = 0
$$;

create schema if not exists bench_floor;

drop table if exists bench_floor.events;
create table bench_floor.events as
with parsed as materialized (
    select
        event_id,
        received_at,
        loaded_at,
        payload,
        pg_temp.strict_object(payload) as doc
    from raw.app_events
),

extracted as (
    select
        event_id,
        received_at,
        loaded_at,
        payload,
        jsonb_typeof(doc -> 'user_id') as user_id_type,
        doc ->> 'user_id' as user_id,
        doc ->> 'event_type' as event_type,
        doc ->> 'occurred_at' as occurred_at_text,
        pg_temp.iso_utc(doc ->> 'occurred_at') as occurred_at,
        doc ->> 'session_id' as session_id,
        doc ->> 'platform' as platform,
        doc ->> 'country' as country,
        doc ->> 'app_version' as app_version,
        doc -> 'properties' ->> 'feature' as feature,
        doc -> 'properties' ->> 'message_id' as message_id,
        doc -> 'properties' ->> 'page' as page,
        doc -> 'properties' ->> 'error_code' as error_code
    from parsed
    where doc is not null
)

select distinct on (event_id)
    event_id,
    user_id,
    event_type,
    occurred_at
from extracted
where
    not pg_temp.is_blank(event_id)
    and user_id_type = 'string'
    and not pg_temp.is_blank(user_id)
    and event_type in (
        'session_start', 'session_end', 'message_sent',
        'feature_used', 'page_view', 'error'
    )
    and occurred_at <= received_at + interval '5 minutes'
    -- landing widths, in UTF-8 bytes
    and coalesce(octet_length(user_id) <= 64, true)
    and coalesce(octet_length(event_type) <= 32, true)
    and coalesce(octet_length(occurred_at_text) <= 64, true)
    and coalesce(octet_length(session_id) <= 64, true)
    and coalesce(octet_length(platform) <= 32, true)
    and coalesce(octet_length(country) <= 16, true)
    and coalesce(octet_length(app_version) <= 32, true)
    and coalesce(octet_length(feature) <= 128, true)
    and coalesce(octet_length(message_id) <= 64, true)
    and coalesce(octet_length(page) <= 512, true)
    and coalesce(octet_length(error_code) <= 64, true)
    -- plausibility (ADR 0007)
    and loaded_at <= (now() at time zone 'UTC') + interval '5 minutes'
    and received_at >= timestamp '2000-01-01'
    and received_at <= loaded_at + interval '5 minutes'
    and received_at >= loaded_at - interval '365 days'
    and occurred_at >= timestamp '2000-01-01'
    and occurred_at >= received_at - interval '30 days'
order by event_id, received_at, loaded_at, payload collate "C";

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
with parsed as materialized (
    select
        op,
        source_lsn,
        source_ts_ms,
        loaded_at,
        before,
        after,
        pg_temp.strict_object(before) as before_doc,
        pg_temp.strict_object(after) as after_doc
    from raw.messages_cdc
    where op in ('c', 'u', 'd', 'r')
),

keyed as materialized (
    select
        op,
        source_lsn,
        loaded_at,
        coalesce(
            case when jsonb_typeof(after_doc -> 'message_id') = 'string'
                then after_doc ->> 'message_id' end,
            case when jsonb_typeof(before_doc -> 'message_id') = 'string'
                then before_doc ->> 'message_id' end
        ) as message_id,
        case when op = 'd' then before_doc else after_doc end as image,
        case
            when source_ts_ms between 946684800000 and 253402300799999
                then timestamp '1970-01-01' + source_ts_ms * interval '1 millisecond'
        end as committed_at
    from parsed
    where
        (before is null or before_doc is not null)
        and (after is null or after_doc is not null)
        and (op != 'd' or before_doc is not null)
        and (op = 'd' or after_doc is not null)
)

select distinct on (message_id)
    message_id,
    op = 'd' as is_deleted,
    source_lsn
from keyed
where
    not pg_temp.is_blank(message_id)
    and octet_length(message_id) <= 64
    and coalesce(octet_length(image ->> 'conversation_id') <= 64, true)
    and coalesce(octet_length(image ->> 'user_id') <= 64, true)
    and coalesce(octet_length(image ->> 'role') <= 16, true)
    and coalesce(octet_length(image ->> 'status') <= 16, true)
    and coalesce(octet_length(image ->> 'content') <= 65535, true)
    and source_lsn is not null
    and loaded_at <= (now() at time zone 'UTC') + interval '5 minutes'
    and committed_at <= loaded_at + interval '5 minutes'
    and coalesce(
        pg_temp.iso_utc(image ->> 'created_at')
        between timestamp '2000-01-01' and loaded_at + interval '5 minutes',
        true
    )
order by message_id, source_lsn desc, loaded_at;
