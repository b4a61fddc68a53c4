{#-
    The data window (docs/catalog/_metrics__docs.md): earliest and
    latest activity dates, from
    the data and never the wall clock, so a rebuild of the same data gives the
    same numbers. One row (nulls when there is no activity at all).
-#}
with

events as (

    select * from {{ ref('stg_app__events') }}

),

final as (

    select
        min(occurred_date) as first_date,
        max(occurred_date) as last_date
    from events
    where event_type in ({{ sql_string_list(var('activity_event_types')) }})

)

select * from final
