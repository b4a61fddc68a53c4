{#-
    Assistant responses per response date: volume, errors and response-time
    percentiles (continuous, over the responses with a response_ms).

    Incremental (docs/performance/marts.md): only the dates whose responses
    changed (changed_dates, on the messages' decided_at) are re-decided. A
    date left without responses gets a tombstone (0 responses) that the
    post-hook deletes.
-#}
{{
    config(
        materialized='incremental',
        unique_key='response_date',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=["delete from {{ this }} where responses = 0"],
    )
}}

with

responses as (

    select * from {{ ref('int_assistant_responses_filtered') }}

),

changed as (

    {{ changed_dates('responses', 'response_date', 'responses') }}

),

daily as (

    select
        responses.response_date,
        count(*) as responses,
        sum(case when responses.is_error then 1 else 0 end) as error_responses,
        {{ percentile_cont(0.5, 'responses.response_ms') }} as p50_response_ms,
        {{ percentile_cont(0.95, 'responses.response_ms') }} as p95_response_ms,
        max(responses.decided_at) as inputs_decided_at
    from responses
    inner join changed
        on responses.response_date = changed.response_date
    group by responses.response_date

),

redecided as (

    select
        response_date,
        cast(responses as bigint) as responses,
        cast(error_responses as bigint) as error_responses,
        {{ safe_divide('error_responses', 'responses') }} as error_rate,
        p50_response_ms,
        p95_response_ms,
        ---------- timestamps
        inputs_decided_at
    from daily

),

final as (

    {#- The re-decided dates, and tombstones for dates with no response
        left. #}
    select * from redecided
    union all
    select
        changed.response_date,
        cast(0 as bigint) as responses,
        cast(0 as bigint) as error_responses,
        cast(null as double precision) as error_rate,
        cast(null as double precision) as p50_response_ms,
        cast(null as double precision) as p95_response_ms,
        cast(null as timestamp) as inputs_decided_at
    from changed
    left join redecided
        on changed.response_date = redecided.response_date
    where redecided.response_date is null

)

select * from final
