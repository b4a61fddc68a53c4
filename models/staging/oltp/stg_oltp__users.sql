{#-
    Current state of users.users, deleted (erased) users included: they stay
    countable by user_id, signup time, country and plan, with is_deleted.
    Incrementally, only users with a new change are re-resolved, from all of
    their changes, so out-of-order and repeated rows are harmless.
-#}
{{
    config(
        materialized='incremental',
        unique_key='user_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        dist='user_id',
        sort=['user_id'],
        indexes=postgres_indexes([{'columns': ['user_id']}, {'columns': ['last_change_loaded_at']}]),
    )
}}

with

valid_changes as {{ cte_inlined() }} (

    {#- Read in full, and twice more for its keys on an incremental run
        (touched_key_rows): inlined, not copied (cte_inlined). -#}
    select * from {{ ref('stg_oltp__user_changes') }}
    where is_valid

),

candidates as (

    {#- The changes of the users to re-decide (all of them on a full
        build). -#}
    {{ touched_key_rows(
        'valid_changes', 'user_id', 'change_count', one_row_per_key=true
    ) }}

),

current_state as (

    {{ cdc_current_rows('candidates', 'user_id') }}

),

final as (

    select
        ---------- ids
        user_id,
        ---------- attributes (null when no image of the user ever landed)
        case when has_image then country end as country,
        case when has_image then plan end as plan,
        case when has_image then marketing_opt_in end as marketing_opt_in,
        ---------- state
        is_deleted,
        ---------- timestamps
        case when has_image then created_at end as created_at,
        case when has_image then cast(created_at as date) end as signup_date,
        case when has_image then updated_at end as updated_at,
        deleted_at,
        last_changed_at,
        ---------- lineage
        latest_lsn as source_lsn,
        attributes_lsn,
        last_change_loaded_at,
        change_count
    from current_state

)

select * from final
