{#-
    Signups per date from the earliest signup date to the last date, with the
    running total and its week-over-week growth. Rows are consecutive dates,
    so "7 days earlier" is seven rows back.

    Incremental (docs/performance/marts.md): the input is one row per user,
    so each run computes the whole series from it (one row per date) and
    writes only the dates whose row differs from the table's. A late signup
    rewrites its date and every later running total; a run with nothing new
    writes nothing. A date that left the series gets a tombstone
    (new_users -1) that the post-hook deletes, so the table equals a full
    refresh.
-#}
{{
    config(
        materialized='incremental',
        unique_key='signup_date',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=["delete from {{ this }} where new_users < 0"],
    )
}}
with

dates as (

    select * from {{ ref('dim_dates') }}

),

users as (

    select * from {{ ref('int_users_enriched') }}

),

signups as (

    select
        signup_date,
        count(*) as new_users
    from users
    where signup_date is not null
    group by signup_date

),

growth_dates as (

    select dates.date_day as signup_date
    from dates
    where dates.date_day >= (select min(signups.signup_date) from signups)

),

daily as (

    select
        growth_dates.signup_date,
        coalesce(signups.new_users, 0) as new_users
    from growth_dates
    left join signups
        on growth_dates.signup_date = signups.signup_date

),

cumulative as (

    select
        signup_date,
        new_users,
        sum(new_users) over (
            order by signup_date
            rows between unbounded preceding and current row
        ) as cumulative_users
    from daily

),

compared as (

    select
        *,
        lag(cumulative_users, 7) over (order by signup_date)
            as cumulative_users_7d_earlier
    from cumulative

),

series as (

    select
        signup_date,
        cast(new_users as bigint) as new_users,
        cast(cumulative_users as bigint) as cumulative_users,
        {{ safe_divide('cumulative_users', 'cumulative_users_7d_earlier') }} - 1
            as wow_growth_rate
    from compared

),

built as (

    {{ built_rows('series') }}

),

changed as (

    {{ partitions_that_differ(
        'series', 'built', 'signup_date',
        key_columns=[],
        value_columns=['new_users', 'cumulative_users', 'wow_growth_rate']
    ) }}

),

final as (

    {{ rewritten_partitions('series', 'changed', 'signup_date', tombstone=[
        'cast(-1 as bigint)',
        'cast(0 as bigint)',
        'cast(null as double precision)'
    ]) }}

)

select * from final
