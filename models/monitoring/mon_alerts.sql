{#-
    The alert rules of the design, one row per open incident as of
    monitoring_as_of (var; default: now, when the view is read):

        processing_latency    p95 of loaded_at - received_at over the events
                              loaded in the last hour > 30 minutes
        source_freshness      a raw table's latest load older than its
                              threshold (events and CDC 30 min, billing 2 h)
        assistant_error_rate  error responses / responses over the last
                              hour > 1%, with at least 20 responses
        failed_checks         a data or unit test whose latest recorded
                              result failed or errored (one row per test)
        anomaly               an anomaly test whose latest recorded result
                              warned, failed or errored

    alert_id hashes rule, subject and opened_at, the start of the incident,
    so it stays the same while the incident lasts (synapse-monitor posts
    each incident once). Rate rules date the incident from the first clock
    hour after the latest calm hour of the last 24; checks from their first
    failing result after their latest pass.
-#}
{%- set anomaly_test = 'expect_column_values_to_be_within_n_moving_mads' -%}
{%- set severity = var('monitoring_rule_severity') -%}
with

pipeline_health as (

    select * from {{ ref('mon_pipeline_health') }}

),

messages as (

    select * from {{ ref('stg_oltp__messages') }}

),

app_events as (

    select * from {{ source('app', 'app_events') }}

),

invocations as (

    select * from {{ source('monitoring', 'dbt_invocations') }}

),

node_results as (

    select * from {{ source('monitoring', 'dbt_node_results') }}

),

as_of as (

    select
        {{ monitoring_as_of() }} as monitoring_as_of,
        {{ dbt.date_trunc('hour', monitoring_as_of()) }} as as_of_hour

),

---------- processing_latency

recent_loads as (

    select
        app_events.loaded_at,
        {{ seconds_between(
            'app_events.received_at', 'app_events.loaded_at'
        ) }} as latency_seconds,
        {{ dbt.date_trunc('hour', 'app_events.loaded_at') }} as load_hour
    from app_events
    cross join as_of
    where
        app_events.loaded_at
        > {{ dbt.dateadd('hour', -24, 'as_of.monitoring_as_of') }}
        and app_events.loaded_at <= as_of.monitoring_as_of

),

latency_hours as (

    select
        load_hour,
        {{ percentile_cont(0.95, 'latency_seconds') }} as latency_p95_seconds
    from recent_loads
    group by load_hour

),

latency_calm as (

    select max(load_hour) as calm_hour
    from latency_hours
    where
        latency_p95_seconds <= {{ var('monitoring_max_latency_minutes') }} * 60

),

latency_alerts as (

    select
        'processing_latency' as rule_name,
        'app.app_events' as subject,
        {{ synapse.incident_start('latency_calm.calm_hour') }} as opened_at,
        pipeline_health.latency_p95_seconds / 60.0 as observed_value,
        {{ var('monitoring_max_latency_minutes') }} * 1.0 as threshold,
        (
            'p95 of loaded_at - received_at over the '
            || cast(
                pipeline_health.rows_loaded_last_hour as {{ dbt.type_string() }}
            )
            || ' events loaded in the last hour exceeds the threshold (minutes)'
        ) as detail
    from pipeline_health
    cross join latency_calm
    cross join as_of
    where
        pipeline_health.table_name = 'app_events'
        and pipeline_health.latency_p95_seconds
        > {{ var('monitoring_max_latency_minutes') }} * 60

),

---------- source_freshness

freshness_alerts as (

    select
        'source_freshness' as rule_name,
        source_name || '.' || table_name as subject,
        coalesce(
            {{ dbt.dateadd(
                'minute', 'freshness_threshold_minutes', 'last_loaded_at'
            ) }},
            monitoring_as_of
        ) as opened_at,
        lag_seconds / 60.0 as observed_value,
        freshness_threshold_minutes * 1.0 as threshold,
        case
            when last_loaded_at is null then 'nothing has landed'
            else
                'no load since '
                || cast(last_loaded_at as {{ dbt.type_string() }})
                || ', past the threshold'
        end as detail
    from pipeline_health
    where is_stale

),

---------- assistant_error_rate

recent_responses as (

    select
        messages.created_at,
        {{ dbt.date_trunc('hour', 'messages.created_at') }} as response_hour,
        case when messages.status = 'error' then 1 else 0 end as is_error,
        messages.created_at
        > {{ dbt.dateadd('hour', -1, 'as_of.monitoring_as_of') }} as is_last_hour
    from messages
    cross join as_of
    where
        messages.message_role = 'assistant'
        and not messages.is_deleted
        and messages.created_at
        > {{ dbt.dateadd('hour', -24, 'as_of.monitoring_as_of') }}
        and messages.created_at <= as_of.monitoring_as_of

),

error_rate_last_hour as (

    select
        count(*) as responses,
        coalesce(sum(is_error), 0) as error_responses
    from recent_responses
    where is_last_hour

),

error_rate_hours as (

    select
        response_hour,
        count(*) as responses,
        sum(is_error) as error_responses
    from recent_responses
    group by response_hour

),

error_rate_calm as (

    select max(response_hour) as calm_hour
    from error_rate_hours
    where
        responses < {{ var('monitoring_min_responses') }}
        or error_responses <= {{ var('monitoring_max_error_rate') }} * responses

),

error_rate_alerts as (

    select
        'assistant_error_rate' as rule_name,
        'assistant' as subject,
        {{ synapse.incident_start('error_rate_calm.calm_hour') }} as opened_at,
        {{ safe_divide(
            'error_rate_last_hour.error_responses',
            'error_rate_last_hour.responses'
        ) }} as observed_value,
        {{ var('monitoring_max_error_rate') }} * 1.0 as threshold,
        cast(error_rate_last_hour.error_responses as {{ dbt.type_string() }})
        || ' of '
        || cast(error_rate_last_hour.responses as {{ dbt.type_string() }})
        || ' assistant responses in the last hour were errors' as detail
    from error_rate_last_hour
    cross join error_rate_calm
    cross join as_of
    where
        error_rate_last_hour.responses >= {{ var('monitoring_min_responses') }}
        and error_rate_last_hour.error_responses
        > {{ var('monitoring_max_error_rate') }} * error_rate_last_hour.responses

),

---------- failed_checks and anomaly (recorded test results)

check_results as (

    select
        node_results.unique_id,
        node_results.node_name,
        node_results.status,
        node_results.failures,
        node_results.message,
        node_results.tested_node_id,
        node_results.completed_at,
        case
            when node_results.test_name = '{{ anomaly_test }}' then 'anomaly'
            else 'failed_checks'
        end as rule_name,
        case
            when node_results.test_name = '{{ anomaly_test }}'
                then node_results.status in ('warn', 'fail', 'error')
            else node_results.status in ('fail', 'error')
        end as is_failing
    from node_results
    inner join invocations
        on node_results.invocation_id = invocations.invocation_id
    {#- Not cut at monitoring_as_of: results are about runs of the
        pipeline, always recorded at their real time, while the pin
        replays the data. A test that has not run for
        monitoring_check_lookback_days (removed, disabled) drops out. #}
    where
        node_results.resource_type in ('test', 'unit_test')
        and node_results.status in ('pass', 'warn', 'fail', 'error')
        and node_results.completed_at > {{ dbt.dateadd(
            'day', -1 * var('monitoring_check_lookback_days'), utc_now()
        ) }}

),

check_latest as (

    select
        *,
        row_number() over (
            partition by unique_id order by completed_at desc
        ) as recency
    from check_results

),

check_last_pass as (

    select
        unique_id,
        max(completed_at) as last_pass_at
    from check_results
    where not is_failing
    group by unique_id

),

check_streaks as (

    select
        check_results.unique_id,
        min(check_results.completed_at) as first_failed_at
    from check_results
    left join check_last_pass
        on check_results.unique_id = check_last_pass.unique_id
    where
        check_results.is_failing
        and (
            check_last_pass.last_pass_at is null
            or check_results.completed_at > check_last_pass.last_pass_at
        )
    group by check_results.unique_id

),

check_alerts as (

    select
        check_latest.rule_name,
        check_latest.node_name as subject,
        check_streaks.first_failed_at as opened_at,
        cast(check_latest.failures as double precision) as observed_value,
        cast(0 as double precision) as threshold,
        check_latest.status
        || coalesce(' on ' || check_latest.tested_node_id, '')
        || ': '
        || coalesce(check_latest.message, '') as detail
    from check_latest
    inner join check_streaks
        on check_latest.unique_id = check_streaks.unique_id
    where check_latest.recency = 1 and check_latest.is_failing

),

fired as (

    select * from latency_alerts
    union all
    select * from freshness_alerts
    union all
    select * from error_rate_alerts
    union all
    select * from check_alerts

),

final as (

    select
        ---------- ids
        cast({{ dbt.hash(
            "fired.rule_name || '|' || fired.subject || '|' || "
            ~ "cast(fired.opened_at as " ~ dbt.type_string() ~ ")"
        ) }} as varchar(32)) as alert_id,
        cast(fired.rule_name as varchar(32)) as rule,  -- noqa: RF04
        cast(fired.subject as varchar(512)) as subject,
        cast(
            case fired.rule_name
                {% for rule_name, level in severity.items() -%}
                    when '{{ rule_name }}' then '{{ level }}'
                {% endfor -%}
            end as varchar(16)
        ) as severity,
        ---------- timestamps
        fired.opened_at,
        as_of.monitoring_as_of,
        ---------- measures
        cast(fired.observed_value as double precision) as observed_value,
        cast(fired.threshold as double precision) as threshold,
        cast(substring(fired.detail, 1, 1024) as varchar(1024)) as detail
    from fired
    cross join as_of

)

select * from final
