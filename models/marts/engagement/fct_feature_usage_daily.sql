{#-
    Users and uses of each feature per date, from feature_used events; the
    feature is `unknown` when missing or blank (staging nulls blank values).

    Incremental (docs/performance/marts.md): only the dates whose
    feature_used events changed (changed_dates, on the events' decided_at)
    are re-decided, all features of the date at once. A date left without
    such events gets a tombstone (0 uses) that the post-hook deletes.
-#}
{{
    config(
        materialized='incremental',
        unique_key='usage_date',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=["delete from {{ this }} where uses = 0"],
    )
}}

with

events as (

    select * from {{ ref('stg_app__events') }}

),

feature_events as (

    select
        user_id,
        occurred_date as usage_date,
        coalesce(feature, 'unknown') as feature,
        decided_at
    from events
    where event_type = 'feature_used'

),

changed as (

    {{ changed_dates('feature_events', 'usage_date', 'uses') }}

),

redecided as (

    select
        feature_events.usage_date,
        cast(feature_events.feature as varchar(128)) as feature,
        {#- `users` is the column name the definitions fix. -#}
        cast(count(distinct feature_events.user_id) as bigint) as users,  -- noqa: RF04
        cast(count(*) as bigint) as uses,
        max(feature_events.decided_at) as inputs_decided_at
    from feature_events
    inner join changed
        on feature_events.usage_date = changed.usage_date
    group by feature_events.usage_date, feature_events.feature

),

final as (

    {#- The re-decided dates, and tombstones for dates with no feature use
        left. #}
    select * from redecided
    union all
    select
        changed.usage_date,
        cast('unknown' as varchar(128)) as feature,
        cast(0 as bigint) as users,  -- noqa: RF04
        cast(0 as bigint) as uses,
        cast(null as timestamp) as inputs_decided_at
    from changed
    left join redecided
        on changed.usage_date = redecided.usage_date
    where redecided.usage_date is null

)

select * from final
