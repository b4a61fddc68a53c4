{#-
    Every row of raw.users_cdc, parsed and judged once: the single place the
    images' JSON is read. Later models read its columns instead of parsing
    again: stg_oltp__user_changes (no personal data), the quarantine, and
    stg_oltp__user_contacts (which extracts the contact fields from the
    images of current rows only). The images are kept as landed, personal
    data included, hence the restricted schema; no contact field is
    extracted into a column here.
-#}
{{
    config(
        materialized='incremental',
        unique_key='change_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        dist='user_id',
        sort=['loaded_at'],
        indexes=postgres_indexes([
            {'columns': ['change_id']},
            {'columns': ['loaded_at']},
            {'columns': ['user_id', 'source_lsn']},
        ]),
    )
}}

with

raw_changes as (

    select * from {{ source('oltp', 'users_cdc') }}
    {% if is_incremental_run() %}
        where {{ unstaged_batches(source('oltp', 'users_cdc')) }}
    {% endif %}

),

judged as (

    {{ cdc_judged_rows('raw_changes', 'users_cdc', 'user_id') }}

),

images as (

    {#- Text first: the timestamp parser repeats its argument many times. -#}
    select
        *,
        {{ json_get_text('image_json', ['updated_at']) }} as updated_at_text
    from judged
    {{ optimization_fence() }}

),

final as (

    select
        ---------- ids
        change_id,
        {{ landing_text('users_cdc', 'user_id', 'row_key') }} as user_id,
        ---------- change
        op,
        op = 'd' as is_delete,
        quarantine_reason,
        quarantine_reason is null as is_valid,
        ---------- attributes (null on a key-only delete)
        {{ landing_text('users_cdc', 'country', 'image_country') }} as country,
        {{ landing_text('users_cdc', 'plan', 'image_plan') }} as plan,
        case {{ json_get_text('image_json', ['marketing_opt_in']) }}
            when 'true' then true
            when 'false' then false
        end as marketing_opt_in,
        created_at,
        {{ parse_iso8601_utc('updated_at_text') }} as updated_at,
        ---------- ordering and timestamps
        source_lsn,
        source_ts_ms,
        committed_at,
        loaded_at,
        ---------- images as landed (personal data)
        before,
        after
    from images

)

select * from final
