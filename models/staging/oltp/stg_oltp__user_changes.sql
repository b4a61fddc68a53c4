{#-
    One row per raw users.users change event, without personal data: the
    columns of base_oltp__users_cdc (which parses and judges every raw row
    once) minus the images, so contact fields stay in raw and in the
    restricted schema only.
-#}
{{
    config(
        materialized='incremental',
        unique_key='change_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        dist='user_id',
        sort=['loaded_at'],
        indexes=postgres_indexes([{'columns': ['change_id']}, {'columns': ['loaded_at']}]),
    )
}}

with

base_changes as (

    {#- Parsed and judged once, in base_oltp__users_cdc; the batches not yet
        copied here (the same cursor, one row per raw row). -#}
    select * from {{ ref('base_oltp__users_cdc') }}
    {% if is_incremental_run() %}
        where {{ unstaged_batches(ref('base_oltp__users_cdc')) }}
    {% endif %}

),

final as (

    select
        ---------- ids
        change_id,
        user_id,
        ---------- change
        op,
        is_delete,
        quarantine_reason,
        is_valid,
        ---------- attributes (null on a key-only delete)
        country,
        plan,
        marketing_opt_in,
        created_at,
        updated_at,
        ---------- ordering and timestamps
        source_lsn,
        source_ts_ms,
        committed_at,
        loaded_at
    from base_changes

)

select * from final
