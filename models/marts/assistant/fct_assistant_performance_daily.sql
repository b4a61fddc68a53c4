{#-
    Assistant responses per response date: volume, errors and response-time
    percentiles (continuous, over the responses with a response_ms).
-#}
with

responses as (

    select * from {{ ref('int_assistant_responses_filtered') }}

),

daily as (

    select
        response_date,
        count(*) as responses,
        sum(case when is_error then 1 else 0 end) as error_responses,
        {{ percentile_cont(0.5, 'response_ms') }} as p50_response_ms,
        {{ percentile_cont(0.95, 'response_ms') }} as p95_response_ms
    from responses
    group by response_date

),

final as (

    select
        response_date,
        cast(responses as bigint) as responses,
        cast(error_responses as bigint) as error_responses,
        {{ safe_divide('error_responses', 'responses') }} as error_rate,
        p50_response_ms,
        p95_response_ms
    from daily

)

select * from final
