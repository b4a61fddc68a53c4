{#- Valid deliveries that lost the tie-break to another copy of their event. -#}
with

valid_deliveries as (

    select * from {{ ref('stg_app__event_deliveries') }}
    where is_valid

),

kept as (

    select delivery_id from {{ ref('stg_app__events') }}

),

final as (

    select
        valid_deliveries.delivery_id,
        valid_deliveries.event_id,
        valid_deliveries.received_at,
        valid_deliveries.loaded_at
    from valid_deliveries
    left join kept
        on valid_deliveries.delivery_id = kept.delivery_id
    where kept.delivery_id is null

)

select * from final
