{#-
    The email-hash salt, read inside the warehouse. Ephemeral: it is inlined
    into dim_users as a CTE, so no view or table exposes the salt to any
    role, and no grant is ever made on it.
-#}
{{ config(materialized='ephemeral') }}

with

salts as (

    select * from {{ source('secrets', 'email_hash_salt') }}

),

final as (

    select salt
    from salts

)

select * from final
