{#-
    Plan on a date (docs/catalog/_metrics__docs.md): the plan of the
    user's latest change
    committed before the end of that date, or the plan of their first change
    when none was committed yet. One row per user and period of dates
    [valid_from_date, valid_to_date) holding one plan: a change decides the
    plan from its commit date on, and of several changes committed on one
    date the latest decides that date. Before the first commit date the first
    change's plan applies (from 0001-01-01); the last period ends 9999-12-31,
    so every date falls in exactly one period.
-#}
with

user_history as (

    select * from {{ ref('stg_oltp__user_history') }}

),

changes as (

    select
        user_id,
        plan,
        cast(valid_from as date) as committed_date,
        row_number() over (
            partition by user_id
            order by valid_from asc, source_lsn asc
        ) as change_rank,
        row_number() over (
            partition by user_id, cast(valid_from as date)
            order by valid_from desc, source_lsn desc
        ) as rank_in_date
    from user_history

),

dated_periods as (

    select
        user_id,
        plan,
        committed_date as valid_from_date,
        coalesce(
            lead(committed_date) over (
                partition by user_id order by committed_date asc
            ),
            cast('9999-12-31' as date)
        ) as valid_to_date
    from changes
    where rank_in_date = 1

),

first_periods as (

    select
        user_id,
        plan,
        cast('0001-01-01' as date) as valid_from_date,
        committed_date as valid_to_date
    from changes
    where change_rank = 1

),

final as (

    select * from first_periods
    union all
    select * from dated_periods

)

select * from final
