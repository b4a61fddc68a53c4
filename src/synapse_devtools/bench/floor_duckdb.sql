-- The floor on DuckDB: the least work that gives the answers the project
-- gives, hand-written, on the same raw tables. Timed by synapse_devtools.bench,
-- which then checks that its three tables equal the build's (floor.py).
--   1. parse and validate every app event by the landing contract and the
--      boundary rules of ADR 0007 (strict JSON object, event_id, string
--      user_id, known event_type, strict ISO-8601 occurred_at, not future,
--      landing widths, plausible received_at / loaded_at / occurred_at);
--   2. keep one copy per event_id (earliest received_at, then loaded_at,
--      then the smallest payload);
--   3. daily active users (activity event types, by occurred date);
--   4. the latest valid CDC change of every message (highest source_lsn),
--      by the same kind of rules.
-- It skips all the project does beyond the answer: no row ids, no
-- quarantine, no columns nobody asked for, no intermediate tables.
-- Results are materialised (as the dbt build does) in schema bench_floor.

-- `as materialized` where a CTE's costly column is read by later filters:
-- inlined, its expression would be copied into each of them and the JSON
-- parsed again for every copy.

create schema if not exists bench_floor;

-- A JSON object by the strict reading every engine shares (ADR 0007), given
-- the text t and j = try_cast(t as json), parsed once by the caller: valid,
-- an object, no NaN / Infinity / trailing comma (DuckDB's parser accepts
-- them), no \u0000 escape, no key repeated in it or one level down.
create or replace temp macro strict_object(t, j) as (
    case
        when
            j is not null
            and regexp_matches(t, '^[ \t\n\r]*[{]')
            and (
                not regexp_matches(t, ',[ \t\n\r]*[}\]]|[nN][aA][nN]|[iI][nN][fF]')
                or not regexp_matches(
                    regexp_replace(
                        regexp_replace(t, '"(\\.|[^"\\])*"', '0', 'g'),
                        'true|false|null', '0', 'g'
                    ),
                    ',[ \t\n\r]*[}\]]|[a-df-zA-DF-Z]'
                )
            )
            and (not contains(t, '\u0000') or not regexp_matches(t, '(^|[^\\])(\\\\)*\\u0000'))
            and len(json_keys(j)) = list_unique(json_keys(j))
            and not coalesce(list_bool_or(list_transform(
                json_keys(j, '$.*'), lambda k: len(k) != list_unique(k)
            )), false)
            then j
    end
);

-- Strict ISO-8601 with an offset, read as UTC (null when not).
create or replace temp macro iso_utc(t) as (
    case
        when regexp_full_match(
            t,
            '(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]([.][0-9]{1,6})?(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9]|[+-]14:00)'
        )
            then timezone('UTC', try_cast(t as timestamptz))
    end
);

create or replace temp macro is_blank(t) as (
    coalesce(length(translate(t, ' ' || chr(9) || chr(10) || chr(13), '')), 0) = 0
);

create or replace table bench_floor.events as
with parsed as (
    select
        event_id,
        received_at,
        loaded_at,
        payload,
        strict_object(payload, try_cast(payload as json)) as doc
    from raw.app_events
),

extracted as materialized (
    select
        event_id,
        received_at,
        loaded_at,
        payload,
        json_type(doc, '$.user_id') as user_id_type,
        json_extract_string(doc, [
            '$.user_id', '$.event_type', '$.occurred_at', '$.session_id',
            '$.platform', '$.country', '$.app_version', '$.properties.feature',
            '$.properties.message_id', '$.properties.page',
            '$.properties.error_code'
        ]) as f
    from parsed
    where doc is not null
),

timed as (
    select
        *,
        iso_utc(f[3]) as occurred_at
    from extracted
)

select
    event_id,
    f[1] as user_id,
    f[2] as event_type,
    occurred_at
from timed
where
    not is_blank(event_id)
    and user_id_type = 'VARCHAR'
    and not is_blank(f[1])
    and f[2] in (
        'session_start', 'session_end', 'message_sent',
        'feature_used', 'page_view', 'error'
    )
    and occurred_at <= received_at + interval 5 minute
    -- landing widths, in UTF-8 bytes
    and coalesce(strlen(f[1]) <= 64 and strlen(f[2]) <= 32, true)
    and coalesce(strlen(f[3]) <= 64, true)
    and coalesce(strlen(f[4]) <= 64, true)
    and coalesce(strlen(f[5]) <= 32, true)
    and coalesce(strlen(f[6]) <= 16, true)
    and coalesce(strlen(f[7]) <= 32, true)
    and coalesce(strlen(f[8]) <= 128, true)
    and coalesce(strlen(f[9]) <= 64, true)
    and coalesce(strlen(f[10]) <= 512, true)
    and coalesce(strlen(f[11]) <= 64, true)
    -- plausibility (ADR 0007)
    and loaded_at <= now()::timestamp + interval 5 minute
    and received_at >= timestamp '2000-01-01'
    and received_at <= loaded_at + interval 5 minute
    and received_at >= loaded_at - interval 365 day
    and occurred_at >= timestamp '2000-01-01'
    and occurred_at >= received_at - interval 30 day
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
with parsed as materialized (
    select
        op,
        source_lsn,
        source_ts_ms,
        loaded_at,
        before,
        after,
        strict_object(before, try_cast(before as json)) as before_doc,
        strict_object(after, try_cast(after as json)) as after_doc
    from raw.messages_cdc
),

keyed as materialized (
    select
        *,
        coalesce(
            case when json_type(after_doc, '$.message_id') = 'VARCHAR'
                then json_extract_string(after_doc, '$.message_id') end,
            case when json_type(before_doc, '$.message_id') = 'VARCHAR'
                then json_extract_string(before_doc, '$.message_id') end
        ) as message_id,
        json_extract_string(
            case when op = 'd' then before_doc else after_doc end,
            ['$.created_at', '$.conversation_id', '$.user_id', '$.role',
                '$.status', '$.content']
        ) as f,
        case
            when source_ts_ms between 946684800000 and 253402300799999
                then epoch_ms(cast(source_ts_ms as bigint))
        end as committed_at
    from parsed
    where
        (before is null or before_doc is not null)
        and (after is null or after_doc is not null)
        and (op != 'd' or before_doc is not null)
        and (op = 'd' or after_doc is not null)
        and op in ('c', 'u', 'd', 'r')
)

select
    message_id,
    op = 'd' as is_deleted,
    source_lsn
from keyed
where
    not is_blank(message_id)
    and strlen(message_id) <= 64
    and coalesce(strlen(f[2]) <= 64, true)
    and coalesce(strlen(f[3]) <= 64, true)
    and coalesce(strlen(f[4]) <= 16, true)
    and coalesce(strlen(f[5]) <= 16, true)
    and coalesce(strlen(f[6]) <= 65535, true)
    and source_lsn is not null
    and loaded_at <= now()::timestamp + interval 5 minute
    and committed_at <= loaded_at + interval 5 minute
    and coalesce(
        iso_utc(f[1]) between timestamp '2000-01-01' and loaded_at + interval 5 minute,
        true
    )
qualify row_number() over (
    partition by message_id order by source_lsn desc, loaded_at
) = 1;
