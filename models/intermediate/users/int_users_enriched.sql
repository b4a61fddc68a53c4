{#-
    Current state of every user (erased users included) with what the marts
    derive from it: the region of the current country (`Unknown` when the
    country is missing or not in the seed) and the conversion time.
-#}
with

users as (

    select * from {{ ref('stg_oltp__users') }}

),

country_regions as (

    select * from {{ ref('country_regions') }}

),

conversions as (

    select * from {{ ref('int_users_converted') }}

),

final as (

    select
        ---------- ids
        users.user_id,
        ---------- attributes
        users.country,
        coalesce(country_regions.region, 'Unknown') as region,
        users.plan,
        users.is_deleted,
        ---------- timestamps
        users.created_at,
        users.signup_date,
        conversions.converted_at
    from users
    left join country_regions
        on users.country = country_regions.country_code
    left join conversions
        on users.user_id = conversions.user_id

)

select * from final
