{#-
    Rejected messages_cdc rows with the raw row (images may hold personal data,
    hence the restricted schema) and the reason, for inspection and replay.
-#}
{{
    config(
        materialized='incremental',
        unique_key='change_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

with

{{ cdc_parse_ctes(source('oltp', 'messages_cdc'), 'message_id') }},

final as (

    select
        change_id,
        quarantine_reason,
        op,
        before,
        after,
        source_lsn,
        source_ts_ms,
        loaded_at
    from cdc_judged
    where quarantine_reason is not null

)

select * from final
