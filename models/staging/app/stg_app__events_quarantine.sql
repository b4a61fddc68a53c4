{#-
    Rejected event deliveries with the raw row and the reason, for inspection
    and replay (see README: "Quarantine and replay").
-#}
with

deliveries as (

    select * from {{ ref('stg_app__event_deliveries') }}

),

final as (

    select
        delivery_id,
        quarantine_reason,
        event_id,
        payload,
        received_at,
        loaded_at
    from deliveries
    where not is_valid

)

select * from final
