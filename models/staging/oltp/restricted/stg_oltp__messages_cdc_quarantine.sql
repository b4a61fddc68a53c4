{#-
    Rejected messages_cdc rows with the raw row (images may hold personal data,
    hence the restricted schema) and the reason, for inspection and replay.
    The rows were judged once, in base_oltp__messages_cdc.
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

rejected_changes as (

    {#- Incrementally, the batches whose quarantined rows differ in number
        from what this model holds. -#}
    select * from {{ ref('base_oltp__messages_cdc') }}
    where quarantine_reason is not null
    {% if is_incremental_run() %}
        and {{ unstaged_batches(
            ref('base_oltp__messages_cdc'), 'quarantine_reason is not null'
        ) }}
    {% endif %}

),

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
    from rejected_changes

)

select * from final
