{#-
    Per raw table, as of monitoring_as_of: the latest load, how long ago it
    was, the rows loaded in the last hour and whether the table is past its
    freshness threshold (var monitoring_freshness_minutes). For app_events
    also the processing latency: p95 of loaded_at - received_at over the
    rows loaded in the last hour. Rows landed after monitoring_as_of are not
    seen, so a pinned instant reproduces the past.

    Reads the raw tables themselves: monitoring watches the landing, which
    staging only sees at its next build (monitoring_source_loads).
-#}
with

loads as (

    {{ monitoring_source_loads() }}

),

as_of as (

    select {{ monitoring_as_of() }} as monitoring_as_of

),

seen as (

    select
        loads.source_name,
        loads.table_name,
        loads.loaded_at,
        loads.received_at,
        as_of.monitoring_as_of,
        (
            loads.loaded_at
            > {{ dbt.dateadd('hour', -1, 'as_of.monitoring_as_of') }}
        ) as is_last_hour
    from loads
    cross join as_of

),

summarised as (

    select
        source_name,
        table_name,
        max(loaded_at) as last_loaded_at,
        sum(case when is_last_hour then 1 else 0 end) as rows_loaded_last_hour
    from seen
    group by source_name, table_name

),

latency as (

    select
        source_name,
        table_name,
        {{ percentile_cont(
            0.95, seconds_between('received_at', 'loaded_at')
        ) }} as latency_p95_seconds
    from seen
    where is_last_hour and received_at is not null
    group by source_name, table_name

),

thresholds as (

    {% for name, minutes in var('monitoring_freshness_minutes').items() -%}
        select
            '{{ name.split('.')[0] }}' as source_name,
            '{{ name.split('.')[1] }}' as table_name,
            {{ minutes }} as freshness_threshold_minutes
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        ---------- ids
        cast(thresholds.source_name as varchar(64)) as source_name,
        cast(thresholds.table_name as varchar(64)) as table_name,
        ---------- timestamps
        as_of.monitoring_as_of,
        summarised.last_loaded_at,
        ---------- measures
        {{ seconds_between(
            'summarised.last_loaded_at', 'as_of.monitoring_as_of'
        ) }} as lag_seconds,
        cast(
            coalesce(summarised.rows_loaded_last_hour, 0) as bigint
        ) as rows_loaded_last_hour,
        latency.latency_p95_seconds,
        cast(
            thresholds.freshness_threshold_minutes as integer
        ) as freshness_threshold_minutes,
        (
            summarised.last_loaded_at is null
            or summarised.last_loaded_at < {{ dbt.dateadd(
                'minute',
                '-1 * thresholds.freshness_threshold_minutes',
                'as_of.monitoring_as_of'
            ) }}
        ) as is_stale
    from thresholds
    cross join as_of
    left join summarised
        on thresholds.table_name = summarised.table_name
    left join latency
        on thresholds.table_name = latency.table_name

)

select * from final
