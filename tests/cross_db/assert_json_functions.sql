{#-
    json_parse_object, json_get_text and json_type_of, plus the string
    helpers the staging models lean on (is_blank, regex_matches,
    bytewise_text). Returns one row per failed check; no rows is a pass.

    Good and bad payloads share one query, so an engine that evaluated a
    parse on a row its guard rejects would fail here. Expected text of an
    object or array member is only its first character ('{' or '['): the
    spacing of that JSON text is engine-specific. Backslashes, tabs, line
    feeds and carriage returns in a case are written with chr(), since
    Redshift reads backslash escapes in string literals.
-#}

{#- JSON objects: (payload, case,
        user_id text, user_id type, user_id blank?,
        properties.feature text, properties.feature type, event_type text) -#}
{%- set object_cases = [
    (
        '{"event_type": "feature_used", "user_id": "u_000123", '
        ~ '"occurred_at": "2026-03-01T10:15:02.123Z", "platform": "web", '
        ~ '"properties": {"feature": "search", "extra": {"deep": [1, 2]}}, '
        ~ '"unknown_key": {"a": null}, "zzz": [true, false, null]}',
        'full event, nested properties, unknown keys',
        'u_000123', 'string', false, 'search', 'string', 'feature_used'
    ),
    ('{"event_type": "page_view", "user_id": 123}', 'user_id integer',
        '123', 'number', false, none, none, 'page_view'),
    ('{"user_id": 1.5}', 'user_id decimal',
        '1.5', 'number', false, none, none, none),
    ('{"user_id": true}', 'user_id true',
        'true', 'boolean', false, none, none, none),
    ('{"user_id": false}', 'user_id false',
        'false', 'boolean', false, none, none, none),
    ('{"user_id": null}', 'user_id null',
        none, 'null', true, none, none, none),
    ('{"event_type": "error"}', 'user_id absent',
        none, none, true, none, none, 'error'),
    ('{"user_id": ""}', 'user_id empty',
        '', 'string', true, none, none, none),
    ('{"user_id": "   "}', 'user_id spaces',
        '   ', 'string', true, none, none, none),
    ('{"user_id": {"id": 1}}', 'user_id object',
        '{', 'object', false, none, none, none),
    ('{"user_id": ["u_1"]}', 'user_id array',
        '[', 'array', false, none, none, none),
    ('{"user_id": "caf\\u00e9 \\"q\\" \\\\"}', 'escapes decoded',
        'café "q" \\', 'string', false, none, none, none),
    ('{"user_id": "üñí ✓"}', 'non-ASCII',
        'üñí ✓', 'string', false, none, none, none),
    ('{"User_Id": "u_9"}', 'keys are case-sensitive',
        none, none, true, none, none, none),
    ('{"user_id": "x,}", "note": "NaN true ,] Infinity"}', 'JSON-like strings',
        'x,}', 'string', false, none, none, none),
    ('{"user_id": "u_3", "tags": ["a", "b"], "flags": [true, null]}', 'arrays',
        'u_3', 'string', false, none, none, none),
    ('{"user_id": "u_e", "x": -2.5E-3, "y": 1e3, "z": 0}', 'exponents',
        'u_e', 'string', false, none, none, none),
    ('{"properties": "feature"}', 'path through a string',
        none, none, true, none, none, none),
    ('{"properties": [{"feature": "x"}]}', 'path through an array',
        none, none, true, none, none, none),
    ('{"properties": {"feature": null}}', 'feature null',
        none, none, true, none, 'null', none),
    ('{"properties": {"feature": 7}}', 'feature number',
        none, none, true, '7', 'number', none),
    ('{"properties": {"feature": " "}}', 'feature blank',
        none, none, true, ' ', 'string', none),
    ('{"properties": {"feature": {"name": "x"}}}', 'feature object',
        none, none, true, '{', 'object', none),
    ('{}', 'empty object',
        none, none, true, none, none, none),
    (' \n\t{"user_id": "u_2"}\r\n ', 'outer whitespace',
        'u_2', 'string', false, none, none, none),
] -%}

{#- Not JSON objects: (payload, case); every member reads as absent. -#}
{%- set other_cases = [
    ('[1, 2]', 'array'),
    ('[{"user_id": "u_1"}]', 'array of objects'),
    ('42', 'number'),
    ('"text"', 'string'),
    ('null', 'JSON null'),
    ('true', 'boolean'),
    ('', 'empty string'),
    ('   ', 'whitespace only'),
    (none, 'SQL null'),
    ('{"user_id": "u_1", "properties": {"feature": "se', 'truncated'),
    ('not json at all', 'garbage'),
    ('{"user_id": "u_1"} trailing', 'text after the object'),
    ('{"user_id": "u_1"}{"a": 1}', 'two objects'),
    ('{"user_id": "u_1",}', 'trailing comma'),
    ('{"a": [1, 2,], "user_id": "u_1"}', 'trailing comma in an array'),
    ('{"user_id": NaN}', 'NaN'),
    ('{"user_id": -Infinity}', 'Infinity'),
    ("{'user_id': 'u_1'}", 'single quotes'),
    ('{user_id: "u_1"}', 'unquoted key'),
    ('{"user_id": 01}', 'leading zero'),
    ('{"user_id": "u_1" "a": 1}', 'missing comma'),
] -%}

{#- One list, one shape: (payload, case, is an object?, the six above). -#}
{%- set json_cases = [] -%}
{%- for case in object_cases -%}
    {%- do json_cases.append([case[0], case[1], true] + case[2:] | list) -%}
{%- endfor -%}
{%- for case in other_cases -%}
    {%- do json_cases.append(
        [case[0], case[1], false, none, none, true, none, none, none]) -%}
{%- endfor %}

{#- (value, is blank?) -#}
{%- set blank_cases = [
    (none, true),
    ('', true),
    (' ', true),
    ('   ', true),
    ('\t', true),
    ('\n', true),
    ('\r\n', true),
    (' \t\r\n ', true),
    ('a', false),
    (' a ', false),
    ('\ta\n', false),
    ('.', false),
    ('null', false),
] -%}

{#- (value, pattern, matches?) -#}
{%- set regex_cases = [
    ('abc', '^a', true),
    ('abc', '^b', false),
    ('abc', 'b', true),
    ('abc', '^abc$', true),
    ('abcd', '^abc$', false),
    ('', '^$', true),
    (none, '^a', false),
    (none, '', false),
    ("it's", "^it's$", true),
    ('a.c', '^a[.]c$', true),
    ('abc', '^a[.]c$', false),
    ('a.c', '^a\\.c$', true),
    ('abc', '^a\\.c$', false),
    ('2026', '^[0-9]{4}$', true),
    ('2O26', '^[0-9]{4}$', false),
] -%}

{#- (lower, higher): lower sorts strictly first, byte by byte. -#}
{%- set bytewise_cases = [
    ('B', 'a'),
    ('Z', '_'),
    ('_', 'a'),
    ('A', 'a'),
    ('a', 'ab'),
    ('ab', 'b'),
    ('z', 'é'),
    ('é', 'ü'),
    ('ü', '✓'),
    ('10', '9'),
] -%}

{#- Each value as a SQL literal: strings quoted (backslash and control
    characters through chr()), booleans as true / false, none as a typed
    null. -#}
{%- set rendered = {} -%}
{%- for list_name, case_list in [
    ('json', json_cases), ('blank', blank_cases),
    ('regex', regex_cases), ('bytewise', bytewise_cases)
] -%}
    {%- set rows = [] -%}
    {%- for case in case_list -%}
        {%- set literals = [] -%}
        {%- for value in case -%}
            {%- if value is none -%}
                {%- do literals.append("cast(null as " ~ dbt.type_string() ~ ")") -%}
            {%- elif value is sameas true or value is sameas false -%}
                {%- do literals.append(value | string | lower) -%}
            {%- else -%}
                {%- do literals.append(
                    "'" ~ value
                    | replace("'", "''")
                    | replace("\\", "' || chr(92) || '")
                    | replace("\t", "' || chr(9) || '")
                    | replace("\n", "' || chr(10) || '")
                    | replace("\r", "' || chr(13) || '")
                    ~ "'") -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do rows.append(literals) -%}
    {%- endfor -%}
    {%- do rendered.update({list_name: rows}) -%}
{%- endfor %}

with

json_cases as (
    {% for row in rendered['json'] %}
        select
            {{ row[0] }} as payload,
            {{ row[1] }} as case_name,
            {{ row[2] }} as expected_is_object,
            {{ row[3] }} as expected_user_id,
            {{ row[4] }} as expected_user_id_type,
            {{ row[5] }} as expected_user_id_is_blank,
            {{ row[6] }} as expected_feature,
            {{ row[7] }} as expected_feature_type,
            {{ row[8] }} as expected_event_type
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

json_parsed as (
    select
        json_cases.*,
        {{ json_parse_object('payload') }} as payload_json
    from json_cases
),

json_read as (
    {#- A second step: on Redshift, members are read from a column. #}
    select
        case_name,
        payload,
        expected_is_object,
        expected_user_id,
        expected_user_id_type,
        expected_user_id_is_blank,
        expected_feature,
        expected_feature_type,
        expected_event_type,
        payload_json is not null as actual_is_object,
        {{ json_get_text('payload_json', ['user_id']) }} as actual_user_id,
        {{ json_type_of('payload_json', ['user_id']) }} as actual_user_id_type,
        {{ json_get_text('payload_json', ['properties', 'feature']) }}
            as actual_feature,
        {{ json_type_of('payload_json', ['properties', 'feature']) }}
            as actual_feature_type,
        {{ json_get_text('payload_json', 'event_type') }} as actual_event_type
    from json_parsed
),

json_checked as (
    select
        case_name,
        payload,
        {{ is_blank('actual_user_id') }} as actual_user_id_is_blank,
        expected_is_object = actual_is_object as is_object_ok,
        case
            when expected_user_id_type in ('object', 'array')
                then coalesce(left(actual_user_id, 1) = expected_user_id, false)
            else coalesce(
                actual_user_id = expected_user_id,
                actual_user_id is null and expected_user_id is null
            )
        end as user_id_ok,
        coalesce(
            actual_user_id_type = expected_user_id_type,
            actual_user_id_type is null and expected_user_id_type is null
        ) as user_id_type_ok,
        expected_user_id_is_blank,
        case
            when expected_feature_type in ('object', 'array')
                then coalesce(left(actual_feature, 1) = expected_feature, false)
            else coalesce(
                actual_feature = expected_feature,
                actual_feature is null and expected_feature is null
            )
        end as feature_ok,
        coalesce(
            actual_feature_type = expected_feature_type,
            actual_feature_type is null and expected_feature_type is null
        ) as feature_type_ok,
        coalesce(
            actual_event_type = expected_event_type,
            actual_event_type is null and expected_event_type is null
        ) as event_type_ok
    from json_read
),

json_failures as (
    select
        'json' as check_name,
        case_name,
        payload as input_text
    from json_checked
    where
        not (
            is_object_ok
            and user_id_ok
            and user_id_type_ok
            and actual_user_id_is_blank = expected_user_id_is_blank
            and feature_ok
            and feature_type_ok
            and event_type_ok
        )
),

blank_cases as (
    {% for row in rendered['blank'] %}
        select
            {{ row[0] }} as input_text,
            {{ row[1] }} as expected_is_blank
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

blank_failures as (
    select
        'is_blank' as check_name,
        'is_blank' as case_name,
        input_text
    from blank_cases
    where {{ is_blank('input_text') }} != expected_is_blank
),

regex_failures as (
    {#- The pattern is a compile-time argument: one select per case. #}
    select
        'regex_matches' as check_name,
        case_name,
        input_text
    from (
        {% for row in rendered['regex'] %}
            {%- set case = regex_cases[loop.index0] %}
            select
                {{ row[1] }} as case_name,
                {{ row[0] }} as input_text,
                {{ regex_matches(row[0], case[1]) }} as actual_matches,
                {{ row[2] }} as expected_matches
            {% if not loop.last %}union all{% endif %}
        {% endfor %}
    ) as regex_results
    where actual_matches != expected_matches
),

bytewise_cases as (
    {% for row in rendered['bytewise'] %}
        select
            {{ row[0] }} as lower_text,
            {{ row[1] }} as higher_text
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

bytewise_failures as (
    select
        'bytewise_text' as check_name,
        higher_text as case_name,
        lower_text as input_text
    from bytewise_cases
    where
        not coalesce(
            {{ bytewise_text('lower_text') }} < {{ bytewise_text('higher_text') }},
            false
        )
),

failures as (
    select * from json_failures
    union all
    select * from blank_failures
    union all
    select * from regex_failures
    union all
    select * from bytewise_failures
)

select * from failures
