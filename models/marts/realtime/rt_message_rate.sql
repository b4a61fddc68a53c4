{#-
    Messages sent per clock minute (by received_at) over the 60 minutes that
    end with the minute holding as_of, minutes without messages included.
-#}
with

events as (

    select * from {{ ref('stg_app__events') }}

),

as_of as (

    select
        max(received_at) as as_of,
        {{ dbt.date_trunc('minute', 'max(received_at)') }} as as_of_minute
    from events

),

minute_offsets as (

    {% for minute in range(60) -%}
        select {{ minute }} as minute_offset
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

minutes as (

    select
        {{ dbt.dateadd(
            'minute', '-1 * minute_offsets.minute_offset', 'as_of.as_of_minute'
        ) }} as minute_start
    from as_of
    cross join minute_offsets

),

recent_messages as (

    select
        {{ dbt.date_trunc('minute', 'events.received_at') }} as minute_start,
        count(*) as messages_sent
    from events
    cross join as_of
    where
        events.event_type = 'message_sent'
        and events.received_at
        >= {{ dbt.dateadd('minute', -59, 'as_of.as_of_minute') }}
        and events.received_at <= as_of.as_of
    group by {{ dbt.date_trunc('minute', 'events.received_at') }}

),

final as (

    select
        cast(minutes.minute_start as timestamp) as minute_start,
        coalesce(recent_messages.messages_sent, 0) as messages_sent
    from minutes
    left join recent_messages
        on minutes.minute_start = recent_messages.minute_start

)

select * from final
