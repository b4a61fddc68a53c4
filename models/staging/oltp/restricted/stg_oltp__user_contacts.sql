{#-
    Contact details (personal data) of users that exist now. Erased users have
    no row. A view, so an erasure takes effect with the next change batch and
    nothing personal is copied into a table here: the fields are read from
    the one image that gives each current user its attributes (the images
    were judged once, in base_oltp__users_cdc).
-#}
with

current_users as (

    select
        user_id,
        attributes_lsn
    from {{ ref('stg_oltp__users') }}
    where not is_deleted

),

valid_changes as (

    select
        change_id,
        user_id,
        source_lsn,
        op,
        before,
        after
    from {{ ref('base_oltp__users_cdc') }}
    where is_valid

),

current_images as (

    select
        current_users.user_id,
        valid_changes.change_id,
        case
            when valid_changes.op = 'd' then valid_changes.before
            else valid_changes.after
        end as image
    from valid_changes
    inner join current_users
        on
            valid_changes.user_id = current_users.user_id
            and valid_changes.source_lsn = current_users.attributes_lsn

),

parsed as (

    select
        *,
        {{ json_parse_object('image') }} as image_json
    from current_images
    {{ optimization_fence() }}

),

images as (

    select
        user_id,
        {{ landing_text(
            'users_cdc', 'email', json_get_text('image_json', ['email'])
        ) }} as email,
        {{ landing_text(
            'users_cdc', 'full_name', json_get_text('image_json', ['full_name'])
        ) }} as full_name,
        {{ landing_text(
            'users_cdc', 'phone', json_get_text('image_json', ['phone'])
        ) }} as phone,
        row_number() over (
            partition by user_id order by change_id
        ) as copy_rank
    from parsed

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
