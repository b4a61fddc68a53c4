{#-
    Rows landed per raw table per UTC day of load time, days without rows
    as 0 (over the days any table landed something), up to
    monitoring_as_of. The anomaly test on rows_loaded watches each source's
    daily volume.
-#}
with

app_events as (

    select loaded_at from {{ source('app', 'app_events') }}

),

users_cdc as (

    select loaded_at from {{ source('oltp', 'users_cdc') }}

),

messages_cdc as (

    select loaded_at from {{ source('oltp', 'messages_cdc') }}

),

billing_subscriptions as (

    select fetched_at as loaded_at
    from {{ source('billing', 'billing_subscriptions') }}

),

as_of as (

    select {{ monitoring_as_of() }} as monitoring_as_of

),

loads as (

    {% for source_name, table_name in [
        ('app', 'app_events'),
        ('oltp', 'users_cdc'),
        ('oltp', 'messages_cdc'),
        ('billing', 'billing_subscriptions'),
    ] -%}
        select
            '{{ source_name }}' as source_name,
            '{{ table_name }}' as table_name,
            cast({{ table_name }}.loaded_at as date) as load_date
        from {{ table_name }}
        cross join as_of
        where {{ table_name }}.loaded_at <= as_of.monitoring_as_of
        {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

counted as (

    select
        source_name,
        table_name,
        load_date,
        count(*) as rows_loaded
    from loads
    group by source_name, table_name, load_date

),

load_days as (

    select distinct load_date from loads

),

tables as (

    select distinct
        source_name,
        table_name
    from loads

),

final as (

    select
        cast(tables.source_name as varchar(64)) as source_name,
        cast(tables.table_name as varchar(64)) as table_name,
        load_days.load_date,
        cast(coalesce(counted.rows_loaded, 0) as bigint) as rows_loaded
    from tables
    cross join load_days
    left join counted
        on
            tables.table_name = counted.table_name
            and load_days.load_date = counted.load_date

)

select * from final
