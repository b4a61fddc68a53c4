{#-
    What the scrub covers and when a field is due: the table specs, the
    retention vars (dbt_project.yml is their only source) and as_of. Nothing
    here needs a connection. Documented in _retention__macros.yml.
-#}


{#- ------------------------------------------------------------------------
    What is scrubbed, per CDC source table. `kind` names the retention_days
    entry; `fields` are the image keys blanked; `erasure` turns on the
    erased-user rules; `age_from` says how an image's age is measured:
    `commit` (the change's commit; a key's current image is never due) or
    `created_at` (the record's own creation time, else the commit).
------------------------------------------------------------------------- -#}
{% macro _scrub_specs() %}
    {{ return([
        {
            'source': 'users_cdc',
            'key': 'user_id',
            'kind': 'user_contact',
            'fields': ['email', 'full_name', 'phone'],
            'erasure': true,
            'age_from': 'commit',
        },
        {
            'source': 'messages_cdc',
            'key': 'message_id',
            'kind': 'message_content',
            'fields': ['content'],
            'erasure': false,
            'age_from': 'created_at',
        },
    ]) }}
{% endmacro %}


{#- Text that replaces a malformed image that holds personal data: not a JSON
    object on any engine (so still malformed_json), and free of the names of
    the personal fields (so a second run leaves it alone). -#}
{% macro _scrub_marker() -%}
    [personal data scrubbed]
{%- endmacro %}


{#- A timestamp literal the three engines read the same way. -#}
{% macro _scrub_timestamp(moment) -%}
    cast('{{ moment.strftime('%Y-%m-%d %H:%M:%S.%f') }}' as timestamp)
{%- endmacro %}


{#- as_of (ISO-8601 text, naive = UTC; none or '' = the start of the run) as
    a naive UTC datetime. -#}
{% macro _scrub_as_of(as_of) %}
    {%- if as_of is none or as_of == '' -%}
        {{ return(run_started_at.replace(tzinfo=none)) }}
    {%- endif -%}
    {%- set text = as_of | string | trim -%}
    {%- if text.endswith('Z') -%}
        {%- set text = text[:-1] ~ '+00:00' -%}
    {%- endif -%}
    {%- set moment = modules.datetime.datetime.fromisoformat(text) -%}
    {%- if moment.tzinfo is not none -%}
        {%- set moment = moment.astimezone(modules.pytz.utc).replace(tzinfo=none) -%}
    {%- endif -%}
    {{ return(moment) }}
{% endmacro %}


{#- A number of days >= 0, or none (never due); anything else is an error
    naming the var. -#}
{% macro _scrub_days(days, name) %}
    {%- if days is not none and (days is not number or days is sameas true
        or days is sameas false or days < 0) -%}
        {{ exceptions.raise_compiler_error(
            "scrub_personal_data: var " ~ name ~ " must be a number of days >= 0"
            ~ " or null (never due), got " ~ days) }}
    {%- endif -%}
    {{ return(days) }}
{% endmacro %}


{#- ------------------------------------------------------------------------
    The retention vars, validated. dbt_project.yml is their one source: there
    is no default here, so a var that is missing, misspelt or replaced
    partially by --vars (which replaces the whole mapping) stops the scrub
    with a message saying what to set.
------------------------------------------------------------------------- -#}
{% macro _scrub_retention_days() %}
    {%- set kinds = _scrub_specs() | map(attribute='kind') | list -%}
    {%- set example = '{' ~ kinds | join(': <days>, ') ~ ': <days>}' -%}
    {%- set configured = var('retention_days', none) -%}
    {%- if configured is none -%}
        {{ exceptions.raise_compiler_error(
            "scrub_personal_data: var retention_days is not set. Set it in"
            ~ " dbt_project.yml (vars) or --vars: retention_days: " ~ example
            ~ " (null keeps that kind forever).") }}
    {%- endif -%}
    {%- if configured is not mapping -%}
        {{ exceptions.raise_compiler_error(
            "scrub_personal_data: var retention_days must be a mapping of kind"
            ~ " -> days, like " ~ example ~ "; got " ~ configured) }}
    {%- endif -%}
    {%- for kind in configured -%}
        {%- if kind not in kinds -%}
            {{ exceptions.raise_compiler_error(
                "scrub_personal_data: var retention_days: unknown kind " ~ kind
                ~ " (known: " ~ kinds | join(', ') ~ ")") }}
        {%- endif -%}
    {%- endfor -%}
    {%- set retention = {} -%}
    {%- for kind in kinds -%}
        {%- if kind not in configured -%}
            {{ exceptions.raise_compiler_error(
                "scrub_personal_data: var retention_days has no entry for " ~ kind
                ~ ": give it a number of days or null (kept forever). --vars"
                ~ " replaces the whole mapping, so list every kind: " ~ example) }}
        {%- endif -%}
        {%- do retention.update({
            kind: _scrub_days(configured[kind], 'retention_days.' ~ kind)
        }) -%}
    {%- endfor -%}
    {{ return(retention) }}
{% endmacro %}


{#- The erased-user delay, validated (same single source as above). -#}
{% macro _scrub_erased_days() %}
    {%- set unset = '__synapse_unset__' -%}
    {%- set days = var('erased_user_contact_days', unset) -%}
    {%- if days == unset -%}
        {{ exceptions.raise_compiler_error(
            "scrub_personal_data: var erased_user_contact_days is not set. Set"
            ~ " it in dbt_project.yml (vars) or --vars: days after an erasure"
            ~ " before the user's contact fields are blanked (0: next scrub;"
            ~ " null: never).") }}
    {%- endif -%}
    {{ return(_scrub_days(days, 'erased_user_contact_days')) }}
{% endmacro %}


{#- ------------------------------------------------------------------------
    _scrub_settings(as_of): as_of and the cutoffs, resolved in Jinja so the
    SQL compares against literals (timestamps) and integers (epoch ms).
------------------------------------------------------------------------- -#}
{% macro _scrub_settings(as_of=none) %}
    {%- set dt = modules.datetime -%}
    {%- set moment = _scrub_as_of(as_of) -%}
    {%- set epoch = dt.datetime(1970, 1, 1) -%}
    {%- set retention = _scrub_retention_days() -%}
    {%- set erased_days = _scrub_erased_days() -%}

    {%- set cutoffs = {} -%}
    {%- set ms = {} -%}
    {%- for kind, days in retention.items() -%}
        {%- if days is none -%}
            {#- No retention for this kind: nothing is ever due. -#}
            {%- do cutoffs.update({kind: none}) -%}
            {%- do ms.update({kind: none}) -%}
        {%- else -%}
            {%- set cutoff = moment - dt.timedelta(days=days) -%}
            {%- do cutoffs.update({kind: cutoff}) -%}
            {%- do ms.update({
                kind: ((cutoff - epoch).total_seconds() * 1000) | round | int
            }) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if erased_days is none -%}
        {%- set erased_cutoff_ms = none -%}
    {%- else -%}
        {%- set erased_cutoff = moment - dt.timedelta(days=erased_days) -%}
        {%- set erased_cutoff_ms =
            ((erased_cutoff - epoch).total_seconds() * 1000) | round | int -%}
    {%- endif -%}
    {{ return({
        'as_of': moment,
        'as_of_text': moment.strftime('%Y-%m-%d %H:%M:%S.%f'),
        'as_of_ms': ((moment - epoch).total_seconds() * 1000) | round | int,
        'retention_days': retention,
        'cutoffs': cutoffs,
        'cutoff_ms': ms,
        'erased_user_contact_days': erased_days,
        'erased_cutoff_ms': erased_cutoff_ms,
    }) }}
{% endmacro %}
