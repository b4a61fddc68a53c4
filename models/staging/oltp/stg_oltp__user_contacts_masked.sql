{#-
    Contact details partially masked, for analysts who need to recognise a
    record (support, deduplication checks) without reading personal data.
    The clear values stay in restricted.stg_oltp__user_contacts.
-#}
with

contacts as (

    select * from {{ ref('stg_oltp__user_contacts') }}

),

final as (

    select
        user_id,
        {{ mask_email('email') }} as email_masked,
        lower(split_part(email, '@', 2)) as email_domain,
        {{ mask_name('full_name') }} as full_name_masked,
        {{ mask_phone('phone') }} as phone_masked
    from contacts

)

select * from final
