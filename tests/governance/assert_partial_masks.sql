{#- The partial masks on every engine: returns the cases that differ. -#}
with

cases as (

    select
        'Jane.Doe@Example.com' as input_value,
        'J***@Example.com' as expected_email,
        'J***' as expected_name,
        '*** *** ' as expected_phone
    union all
    select
        'no at sign' as input_value,
        '***' as expected_email,
        'n***' as expected_name,
        '*** *** ' as expected_phone
    union all
    select
        '+351 912 345 678' as input_value,
        '***' as expected_email,
        '+***' as expected_name,
        '*** *** 678' as expected_phone
    union all
    select
        null as input_value,
        null as expected_email,
        null as expected_name,
        null as expected_phone

),

masked as (

    select
        input_value,
        expected_email,
        expected_name,
        expected_phone,
        {{ mask_email('input_value') }} as email_value,
        {{ mask_name('input_value') }} as name_value,
        {{ mask_phone('input_value') }} as phone_value
    from cases

)

select *
from masked
where
    coalesce(email_value, '<null>') != coalesce(expected_email, '<null>')
    or coalesce(name_value, '<null>') != coalesce(expected_name, '<null>')
    or coalesce(phone_value, '<null>') != coalesce(expected_phone, '<null>')
