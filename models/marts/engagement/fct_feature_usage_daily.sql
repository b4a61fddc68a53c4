{#-
    Users and uses of each feature per date, from feature_used events; the
    feature is `unknown` when missing or blank (staging nulls blank values).
-#}
with

events as (

    select * from {{ ref('stg_app__events') }}

),

feature_events as (

    select
        user_id,
        occurred_date as usage_date,
        coalesce(feature, 'unknown') as feature
    from events
    where event_type = 'feature_used'

),

final as (

    select
        usage_date,
        cast(feature as varchar(128)) as feature,
        {#- `users` is the column name the definitions fix. -#}
        cast(count(distinct user_id) as bigint) as users,  -- noqa: RF04
        cast(count(*) as bigint) as uses
    from feature_events
    group by usage_date, feature

)

select * from final
