{#-
    Health now, as of the latest received_at among valid events: assistant
    error rate and p95 response time over the last 15 minutes (by created_at),
    pipeline lag (p95 of loaded_at - received_at over the events received in
    the last hour) and a status that turns `alert` past the thresholds.
-#}
with

events as (

    select * from {{ ref('stg_app__events') }}

),

messages as (

    select * from {{ ref('stg_oltp__messages') }}

),

as_of as (

    select max(received_at) as as_of
    from events

),

recent_responses as (

    {#- From staging, not the intermediate view: Redshift materialized views
        cannot read standard views. -#}
    select
        count(*) as responses_15m,
        sum(case when messages.status = 'error' then 1 else 0 end)
            as error_responses_15m,
        {{ percentile_cont(0.95, 'messages.response_ms') }} as p95_response_ms_15m
    from messages
    cross join as_of
    where
        messages.message_role = 'assistant'
        and not messages.is_deleted
        and messages.created_at > {{ dbt.dateadd('minute', -15, 'as_of.as_of') }}
        and messages.created_at <= as_of.as_of

),

recent_lag as (

    select
        {{ percentile_cont(
            0.95, seconds_between('events.received_at', 'events.loaded_at')
        ) }} as pipeline_lag_p95_seconds
    from events
    cross join as_of
    where
        events.received_at > {{ dbt.dateadd('minute', -60, 'as_of.as_of') }}
        and events.received_at <= as_of.as_of

),

measured as (

    select
        as_of.as_of,
        recent_responses.responses_15m,
        recent_responses.error_responses_15m,
        {{ safe_divide(
            'recent_responses.error_responses_15m', 'recent_responses.responses_15m'
        ) }} as error_rate_15m,
        recent_responses.p95_response_ms_15m,
        recent_lag.pipeline_lag_p95_seconds
    from as_of
    cross join recent_responses
    cross join recent_lag

),

final as (

    select
        as_of,
        cast(responses_15m as bigint) as responses_15m,
        cast(coalesce(error_responses_15m, 0) as bigint) as error_responses_15m,
        error_rate_15m,
        p95_response_ms_15m,
        pipeline_lag_p95_seconds,
        cast(
            case
                when
                    pipeline_lag_p95_seconds
                    > {{ sql_number_var('rt_max_lag_minutes') }} * 60
                    or error_rate_15m > {{ sql_number_var('rt_max_error_rate') }}
                    then 'alert'
                else 'ok'
            end as varchar(8)
        ) as status
    from measured

)

select * from final
