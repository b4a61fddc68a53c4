{#-
    monitoring_source_loads() -> select: every raw row landed up to
    monitoring_as_of, from the four raw tables, as (source_name, table_name,
    loaded_at, received_at). The one place the monitoring views read the
    landing from; received_at exists for app_events only, and billing's
    landing time is its fetched_at. Rows landed after monitoring_as_of are
    not seen, so a pinned instant reproduces the past.
-#}
{% macro monitoring_source_loads() %}
    {%- set landings = [
        ('app', 'app_events', 'loaded_at', 'received_at'),
        ('oltp', 'users_cdc', 'loaded_at', none),
        ('oltp', 'messages_cdc', 'loaded_at', none),
        ('billing', 'billing_subscriptions', 'fetched_at', none),
    ] -%}
    {%- for source_name, table_name, loaded_at, received_at in landings %}
    select
        cast('{{ source_name }}' as varchar(64)) as source_name,
        cast('{{ table_name }}' as varchar(64)) as table_name,
        {{ loaded_at }} as loaded_at,
        {{ received_at or 'cast(null as timestamp)' }} as received_at
    from {{ source(source_name, table_name) }}
    where {{ loaded_at }} <= {{ monitoring_as_of() }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{% endmacro %}
