{#-
    parse_iso8601_utc against the landing contract (raw.app_events,
    occurred_at). Returns the cases where the macro's result differs from the
    expected one; no rows is a pass.

    Each case: (input text, expected UTC timestamp as text or none for
    "invalid", what it checks). An input of none is a SQL null. Valid and
    invalid inputs share one query, so an engine that evaluated a skipped
    branch on a bad row would fail here, not in production.
-#}
{%- set cases = [
    ('2026-03-01T10:15:02.123Z', '2026-03-01 10:15:02.123', 'contract example'),
    ('2026-03-01T10:15:02Z', '2026-03-01 10:15:02', 'no fraction'),
    ('2026-03-01T10:15:02.5Z', '2026-03-01 10:15:02.5', '1 digit is 500000 us'),
    ('2026-03-01T10:15:02.12Z', '2026-03-01 10:15:02.12', '2 digits'),
    ('2026-03-01T10:15:02.123Z', '2026-03-01 10:15:02.123', '3 digits is 123000 us'),
    ('2026-03-01T10:15:02.0001Z', '2026-03-01 10:15:02.0001', '4 digits'),
    ('2026-03-01T10:15:02.12345Z', '2026-03-01 10:15:02.12345', '5 digits'),
    ('2026-03-01T10:15:02.123456Z', '2026-03-01 10:15:02.123456', '6 digits'),
    ('2026-03-01T10:15:02.000001Z', '2026-03-01 10:15:02.000001', 'one microsecond'),
    ('2026-03-01T10:15:02.000000Z', '2026-03-01 10:15:02', 'zero fraction'),
    ('2026-03-01T10:15:02+02:00', '2026-03-01 08:15:02', 'east offset'),
    ('2026-03-01T10:15:02-05:30', '2026-03-01 15:45:02', 'west offset'),
    ('2026-03-01T10:15:02.123+05:45', '2026-03-01 04:30:02.123', 'fraction, offset'),
    ('2026-03-01T10:15:02-00:00', '2026-03-01 10:15:02', 'offset -00:00'),
    ('2026-03-01T10:15:02+00:00', '2026-03-01 10:15:02', 'offset +00:00'),
    ('2026-03-01T00:30:00+01:00', '2026-02-28 23:30:00', 'back over a month end'),
    ('2024-03-01T00:30:00+01:00', '2024-02-29 23:30:00', 'back into a leap day'),
    ('2026-01-31T23:30:00-01:00', '2026-02-01 00:30:00', 'on over a month end'),
    ('2025-12-31T23:30:00-01:00', '2026-01-01 00:30:00', 'on over a year end'),
    ('2026-01-01T00:00:00+14:00', '2025-12-31 10:00:00', '+14:00, back a year'),
    ('2026-01-01T00:00:00-14:00', '2026-01-01 14:00:00', 'offset -14:00'),
    ('2026-03-01T10:15:02+13:59', '2026-02-28 20:16:02', 'offset +13:59'),
    ('2024-02-29T12:00:00Z', '2024-02-29 12:00:00', 'Feb 29, leap year'),
    ('2000-02-29T12:00:00Z', '2000-02-29 12:00:00', 'Feb 29, year / 400'),
    ('2026-04-30T10:00:00Z', '2026-04-30 10:00:00', '30-day month'),
    ('2026-01-31T10:00:00Z', '2026-01-31 10:00:00', '31-day month'),
    ('2026-12-31T23:59:59.999999Z', '2026-12-31 23:59:59.999999', 'last us of a year'),
    ('0001-01-01T00:00:00Z', '0001-01-01 00:00:00', 'smallest year'),
    ('0001-01-01T00:00:00-14:00', '0001-01-01 14:00:00', 'smallest year, west'),
    ('9999-12-31T23:59:59.999999+14:00', '9999-12-31 09:59:59.999999', 'largest'),
    ('2026-03-01T23:59:59Z', '2026-03-01 23:59:59', 'largest time of day'),
    ('2026-03-01T00:00:00Z', '2026-03-01 00:00:00', 'midnight'),
    ('2026-02-30T10:00:00Z', none, 'Feb 30'),
    ('2025-02-29T10:00:00Z', none, 'Feb 29, common year'),
    ('1900-02-29T10:00:00Z', none, 'Feb 29, century not / 400'),
    ('2026-04-31T10:00:00Z', none, 'Apr 31'),
    ('2026-13-01T10:00:00Z', none, 'month 13'),
    ('2026-00-10T10:00:00Z', none, 'month 00'),
    ('2026-01-00T10:00:00Z', none, 'day 00'),
    ('2026-01-32T10:00:00Z', none, 'day 32'),
    ('0000-01-01T00:00:00Z', none, 'year 0000'),
    ('2026-03-01T24:00:00Z', none, 'hour 24'),
    ('2026-03-01T23:60:00Z', none, 'minute 60'),
    ('2026-03-01T23:59:60Z', none, 'leap second'),
    ('2026-03-01 10:15:02Z', none, 'space for T'),
    ('2026-03-01t10:15:02Z', none, 'lowercase t'),
    ('2026-03-01T10:15:02z', none, 'lowercase z'),
    ('2026-03-01T10:15:02', none, 'no offset'),
    ('2026-03-01T10:15:02.123', none, 'fraction, no offset'),
    ('2026-03-01T10:15:02+0200', none, 'offset without colon'),
    ('2026-03-01T10:15:02+02', none, 'offset hours only'),
    ('2026-03-01T10:15:02+14:01', none, 'offset +14:01'),
    ('2026-03-01T10:15:02-14:01', none, 'offset -14:01'),
    ('2026-03-01T10:15:02+15:00', none, 'offset +15:00'),
    ('2026-03-01T10:15:02+02:60', none, 'offset minute 60'),
    ('2026-03-01T10:15:02+02:00Z', none, 'offset and Z'),
    ('2026-03-01T10:15:02.1234567Z', none, '7 fraction digits'),
    ('2026-03-01T10:15:02.Z', none, 'dot without digits'),
    ('2026-03-01T10:15:02,123Z', none, 'comma before fraction'),
    (' 2026-03-01T10:15:02Z', none, 'leading space'),
    ('2026-03-01T10:15:02Z ', none, 'trailing space'),
    ('2026-03-01T10:15:02Z\n', none, 'trailing newline'),
    ('2026-3-1T10:15:02Z', none, 'unpadded month and day'),
    ('26-03-01T10:15:02Z', none, '2-digit year'),
    ('12026-03-01T10:15:02Z', none, '5-digit year'),
    ('２026-03-01T10:15:02Z', none, 'non-ASCII digit'),
    ('2026-03-01T10:15Z', none, 'no seconds'),
    ('2026-03-01', none, 'date only'),
    ('yesterday', none, 'word Postgres accepts'),
    ('now', none, 'word Postgres accepts'),
    ('today', none, 'word Postgres accepts'),
    ('epoch', none, 'word Postgres accepts'),
    ('infinity', none, 'word Postgres accepts'),
    ('-infinity', none, 'word Postgres accepts'),
    ('Z', none, 'zone only'),
    ('garbage', none, 'garbage'),
    ('', none, 'empty string'),
    (none, none, 'null'),
] -%}

{#- Each value as a SQL string literal, or a typed null. -#}
{%- set rows = [] -%}
{%- for case in cases -%}
    {%- set literals = [] -%}
    {%- for value in case -%}
        {%- do literals.append(
            "cast(null as " ~ dbt.type_string() ~ ")" if value is none
            else "'" ~ value | replace("'", "''") ~ "'") -%}
    {%- endfor -%}
    {%- do rows.append(literals) -%}
{%- endfor %}

with

cases as (
    {% for input_text, expected_text, case_name in rows %}
        select
            {{ input_text }} as input_text,
            {{ expected_text }} as expected_text,
            {{ case_name }} as case_name
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

parsed as (
    select
        case_name,
        input_text,
        cast(expected_text as timestamp) as expected_at,
        {{ parse_iso8601_utc('input_text') }} as actual_at
    from cases
),

mismatches as (
    select
        case_name,
        input_text,
        expected_at,
        actual_at
    from parsed
    where
        not coalesce(
            actual_at = expected_at,
            actual_at is null and expected_at is null
        )
)

select * from mismatches
