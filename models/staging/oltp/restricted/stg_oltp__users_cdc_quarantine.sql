{#-
    Rejected users_cdc rows with the raw row (images may hold personal data,
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

-- depends_on: {{ ref('stg_oltp__user_changes') }}
with

{{ cdc_parse_ctes(
    source('oltp', 'users_cdc'),
    'user_id',
    landed_relation=ref('stg_oltp__user_changes'),
    landed_filter='not is_valid',
) }},

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
