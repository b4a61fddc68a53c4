{#-
    One row per user and activity date: the compact grain that every activity
    metric (DAU/WAU/MAU, retention, churn, regions, segments) starts from.
    user_ids unknown to the users table are kept: the metric
    definitions count them.

    Incremental (docs/performance/marts.md): a run re-decides only the
    user-days whose counts changed (late events, redeliveries that change the
    kept copy) and the 27 later days of the same user whose 28-day tier they
    feed. A user-day whose events all left gets a tombstone (0 events) that
    replaces its row and that the post-hook deletes, so the table always
    equals a full refresh. Every row written carries `decided_at`, the
    build's start, which the per-date marts read as their change signal
    (changed_dates); it is the one column a full refresh gives otherwise.
-#}
{{
    config(
        materialized='incremental',
        unique_key=['user_id', 'activity_date'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        indexes=postgres_indexes([{'columns': ['user_id', 'activity_date']}]),
        post_hook=["delete from {{ this }} where activity_events = 0"],
    )
}}

with

events as (

    select * from {{ ref('stg_app__events') }}

),

{%- if is_incremental_run() %}

built as (

    select * from {{ this }}

),

{%- endif %}

day_counts as (

    select
        user_id,
        occurred_date as activity_date,
        count(*) as activity_events,
        sum(
            case when event_type = 'message_sent' then 1 else 0 end
        ) as messages_sent
    from events
    where {{ is_activity_event('event_type') }}
    group by user_id, occurred_date

),

trailing_offsets as (

    {{ day_offsets(28) }}

),

{% if is_incremental_run() %}

changed_days as (

    {#- User-days whose counts differ from the built row, new or gone. -#}
    select
        coalesce(day_counts.user_id, built.user_id) as user_id,
        coalesce(day_counts.activity_date, built.activity_date) as activity_date,
        day_counts.user_id is null as is_gone
    from day_counts
    full outer join built
        on
            day_counts.user_id = built.user_id
            and day_counts.activity_date = built.activity_date
    where
        built.user_id is null
        or day_counts.user_id is null
        or day_counts.activity_events != built.activity_events
        or day_counts.messages_sent != built.messages_sent

),

redecided_keys as (

    {#- A changed day moves the 28-day count of itself and the next 27 days. -#}
    select distinct
        changed_days.user_id,
        {{ add_days('changed_days.activity_date', 'trailing_offsets.day_offset') }}
            as activity_date
    from changed_days
    cross join trailing_offsets

),

{% endif %}

redecided_days as (

    {#- The user-days to (re)write: all of them on a full build. -#}
    select day_counts.*
    from day_counts
    {% if is_incremental_run() -%}
        inner join redecided_keys
            on
                day_counts.user_id = redecided_keys.user_id
                and day_counts.activity_date = redecided_keys.activity_date
    {%- endif %}

),

window_days as (

    {#- Each active day expanded into the 28 dates whose trailing window
        holds it, so the window is an equality join, not a range join. -#}
    select
        day_counts.user_id,
        {{ add_days('day_counts.activity_date', 'trailing_offsets.day_offset') }}
            as window_date
    from day_counts
    cross join trailing_offsets

),

trailing_activity as (

    select
        redecided_days.user_id,
        redecided_days.activity_date,
        count(*) as active_days_28d
    from redecided_days
    inner join window_days
        on
            redecided_days.user_id = window_days.user_id
            and redecided_days.activity_date = window_days.window_date
    group by redecided_days.user_id, redecided_days.activity_date

),

redecided as (

    select
        ---------- ids
        redecided_days.user_id,
        redecided_days.activity_date,
        ---------- activity
        cast(redecided_days.activity_events as bigint) as activity_events,
        cast(redecided_days.messages_sent as bigint) as messages_sent,
        cast(trailing_activity.active_days_28d as bigint) as active_days_28d,
        cast(
            case
                when trailing_activity.active_days_28d >= 15 then 'power'
                when trailing_activity.active_days_28d >= 5 then 'core'
                else 'casual'
            end as varchar(8)
        ) as engagement_tier,
        ---------- timestamps
        {{ build_started_at() }} as decided_at
    from redecided_days
    inner join trailing_activity
        on
            redecided_days.user_id = trailing_activity.user_id
            and redecided_days.activity_date = trailing_activity.activity_date

),

final as (

    select * from redecided
    {%- if is_incremental_run() %}
    {#- Tombstones: replace the row of a day with no events left; the
        post-hook deletes them. #}
    union all
    select
        user_id,
        activity_date,
        cast(0 as bigint) as activity_events,
        cast(0 as bigint) as messages_sent,
        cast(0 as bigint) as active_days_28d,
        cast('casual' as varchar(8)) as engagement_tier,
        {{ build_started_at() }} as decided_at
    from changed_days
    where is_gone
    {%- endif %}

)

select * from final
