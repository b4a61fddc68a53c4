{#-
    The data window (docs/catalog/_metrics__docs.md): earliest and
    latest activity dates, from
    the data and never the wall clock, so a rebuild of the same data gives the
    same numbers. One row (nulls when there is no activity at all).

    Read from the user-day grain (one row per user and activity date, the
    same dates as the activity events), not from the events: the same
    answer from a table tens of times smaller.
-#}
with

user_days as (

    select * from {{ ref('int_user_days_aggregated') }}

),

final as (

    select
        min(activity_date) as first_date,
        max(activity_date) as last_date
    from user_days

)

select * from final
