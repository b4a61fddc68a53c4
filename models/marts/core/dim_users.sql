{#-
    One row per user of the users table, erased users included, with no
    direct identifier: the email is reduced to its domain and a salted hash
    (for joins with other systems), both null for erased users, whose contact
    row is gone from the restricted model.
-#}
with

users as (

    select * from {{ ref('int_users_enriched') }}

),

user_days as (

    select * from {{ ref('int_user_days_aggregated') }}

),

contacts as (

    select * from {{ ref('stg_oltp__user_contacts') }}

),

activity as (

    select
        user_id,
        min(activity_date) as first_activity_date,
        max(activity_date) as latest_activity_date
    from user_days
    group by user_id

),

latest_tiers as (

    {#- The tier of the user's latest active day, as the segment mart had it. -#}
    select
        user_days.user_id,
        user_days.engagement_tier as latest_engagement_tier
    from user_days
    inner join activity
        on
            user_days.user_id = activity.user_id
            and user_days.activity_date = activity.latest_activity_date

),

emails as (

    select
        user_id,
        lower(email) as email_lower,
        reverse(lower(email)) as email_reversed,
        {{ dbt.position("'@'", 'reverse(lower(email))') }} as at_position
    from contacts
    where email is not null

),

final as (

    select
        ---------- ids
        users.user_id,
        ---------- attributes
        cast(users.plan as varchar(16)) as plan,
        cast(users.region as varchar(16)) as region,
        users.is_deleted,
        ---------- activity
        users.signup_date,
        activity.first_activity_date,
        activity.latest_activity_date,
        cast(latest_tiers.latest_engagement_tier as varchar(16))
            as latest_engagement_tier,
        ---------- pseudonymous contact
        {# The domain after the last `@`; reverse() keeps it portable. #}
        cast(
            case
                when not users.is_deleted and emails.at_position > 0
                    then reverse(
                        left(emails.email_reversed, emails.at_position - 1)
                    )
            end as varchar(255)
        ) as email_domain,
        cast(
            case
                when not users.is_deleted
                    then {{ email_hash('emails.email_lower') }}
            end as varchar(64)
        ) as email_hash
    from users
    left join activity
        on users.user_id = activity.user_id
    left join latest_tiers
        on users.user_id = latest_tiers.user_id
    left join emails
        on users.user_id = emails.user_id

)

select * from final
