{#-
    The secret table secrets.email_hash_salt holds exactly one non-empty
    salt. Otherwise dim_users.email_hash is an unsalted hash (reversible by
    dictionary): a warning that counts in the results on development
    targets, an error on the production targets (var production_targets).
    Fix: export SYNAPSE_EMAIL_HASH_SALT and run `synapse-land put-salt`
    (on Redshift, the deploy job writes the table).
-#}
{{ config(
    severity=(
        'error' if target.name in var('production_targets', ['prod']) else 'warn'
    ),
) }}

with

salts as (

    select salt from {{ source('secrets', 'email_hash_salt') }}

),

summary as (

    select
        count(*) as salt_rows,
        sum(case when salt is null or salt = '' then 1 else 0 end) as empty_salts
    from salts

),

final as (

    select
        salt_rows,
        empty_salts
    from summary
    where salt_rows != 1 or empty_salts > 0

)

select * from final
