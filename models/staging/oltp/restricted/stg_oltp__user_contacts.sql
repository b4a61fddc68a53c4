{#-
    Contact details (personal data) of users that exist now. Erased users have
    no row. A view over raw, so an erasure takes effect with the next change
    batch and nothing personal is copied into a table here.
-#}
with

{{ cdc_parse_ctes(source('oltp', 'users_cdc'), 'user_id') }},

current_users as (

    select
        user_id,
        attributes_lsn
    from {{ ref('stg_oltp__users') }}
    where not is_deleted

),

images as (

    select
        current_users.user_id,
        {{ landing_text('users_cdc', 'email', json_get_text('cdc_judged.image_json', ['email'])) }} as email,
        {{ landing_text('users_cdc', 'full_name', json_get_text('cdc_judged.image_json', ['full_name'])) }} as full_name,
        {{ landing_text('users_cdc', 'phone', json_get_text('cdc_judged.image_json', ['phone'])) }} as phone,
        row_number() over (
            partition by current_users.user_id order by cdc_judged.change_id
        ) as copy_rank
    from cdc_judged
    inner join current_users
        on
            cdc_judged.row_key = current_users.user_id
            and cdc_judged.source_lsn = current_users.attributes_lsn
    where cdc_judged.quarantine_reason is null

),

final as (

    select
        user_id,
        email,
        full_name,
        phone
    from images
    where copy_rank = 1

)

select * from final
