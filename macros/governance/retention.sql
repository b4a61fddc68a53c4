{#-
    Retention and erasure of personal data: `dbt run-operation
    scrub_personal_data`. Documented in _governance__macros.yml; the decision
    record is docs/decisions/0005-personal-data-scrub.md.

    The scrub blanks personal fields IN PLACE (UPDATE); it never deletes or
    adds a row, so every row count, the conservation law and every staged,
    intermediate and mart output stay as they were.

        raw.messages_cdc  `content` of the images of messages created more
                          than retention_days.message_content days before
                          as_of (reason message_content_retention)
        raw.users_cdc     `email`, `full_name`, `phone` of every image of an
                          erased user (latest change by source_lsn is a
                          delete, committed erased_user_contact_days or more
                          before as_of; reason erasure), and of superseded
                          images committed more than
                          retention_days.user_contact days before as_of
                          (reason user_contact_retention; a user's current
                          image is never touched)

    A field is blanked by setting it to JSON null inside the image, which
    stays a JSON object with the same keys. An image that is not a JSON
    object (quarantined as malformed_json) cannot be edited field by field:
    when it mentions a personal field name and is due, it is replaced whole
    by a marker text that is still not a JSON object, so the row keeps its
    quarantine reason. An image without a usable key (quarantined) belongs
    to an erased user when it holds one of that user's email addresses, or,
    for a malformed one, the user's id or email in its text. A message image
    with no readable created_at is dated by its commit (never earlier).

    The staged id of a raw CDC row, change_id, is a hash of the row's text
    (cdc_parse_ctes), so blanking a field changes it. The scrub re-keys every
    table model built from the CDC source that carries change_id (today
    stg_oltp__user_changes, stg_oltp__message_changes and the two restricted
    quarantine tables) to the id a full refresh would compute, and copies the
    blanked images into the tables that hold images (the quarantine tables).
    The next incremental build, its lookback re-reads and a full refresh then
    agree with the tables as they are.

    Everything happens in one transaction, which the macro begins and
    commits itself (a run-operation does neither), after taking exclusive
    locks on Postgres and Redshift, so a build running at the same time
    either finishes first or waits. Any error rolls everything back.
-#}


{#- ------------------------------------------------------------------------
    What is scrubbed, per CDC source table. `kind` names the retention_days
    entry; `fields` are the image keys blanked; `erasure` turns on the
    erased-user rules (users only).
------------------------------------------------------------------------- -#}
{% macro _scrub_specs() %}
    {{ return([
        {
            'source': 'users_cdc',
            'key': 'user_id',
            'kind': 'user_contact',
            'fields': ['email', 'full_name', 'phone'],
            'erasure': true,
        },
        {
            'source': 'messages_cdc',
            'key': 'message_id',
            'kind': 'message_content',
            'fields': ['content'],
            'erasure': false,
        },
    ]) }}
{% endmacro %}


{#- Text that replaces a malformed image that holds personal data: not a JSON
    object on any engine (so still malformed_json), and free of the names of
    the personal fields (so a second run leaves it alone). -#}
{% macro _scrub_marker() -%}
    [personal data scrubbed]
{%- endmacro %}


{#- ------------------------------------------------------------------------
    _scrub_settings(as_of): as_of and the cutoffs, resolved in Jinja so the
    SQL compares against literals (timestamps) and integers (epoch ms).
------------------------------------------------------------------------- -#}
{% macro _scrub_settings(as_of=none) %}
    {%- set dt = modules.datetime -%}
    {%- if as_of is none or as_of == '' -%}
        {%- set moment = run_started_at.replace(tzinfo=none) -%}
    {%- else -%}
        {%- set text = as_of | string | trim -%}
        {%- if text.endswith('Z') -%}
            {%- set text = text[:-1] ~ '+00:00' -%}
        {%- endif -%}
        {%- set moment = dt.datetime.fromisoformat(text) -%}
        {%- if moment.tzinfo is not none -%}
            {%- set moment = moment.astimezone(modules.pytz.utc).replace(tzinfo=none) -%}
        {%- endif -%}
    {%- endif -%}
    {%- set epoch = dt.datetime(1970, 1, 1) -%}

    {%- set defaults = {'message_content': 30, 'user_contact': 730} -%}
    {%- set configured = var('retention_days', {}) or {} -%}
    {%- if configured is not mapping -%}
        {{ exceptions.raise_compiler_error(
            "var retention_days must be a mapping of kind -> days, got "
            ~ configured) }}
    {%- endif -%}
    {%- set retention = {} -%}
    {%- for kind, days in defaults.items() -%}
        {%- do retention.update({kind: configured.get(kind, days)}) -%}
    {%- endfor -%}
    {%- for kind in configured -%}
        {%- if kind not in defaults -%}
            {{ exceptions.raise_compiler_error(
                "var retention_days: unknown kind " ~ kind ~ " (known: "
                ~ defaults.keys() | join(', ') ~ ")") }}
        {%- endif -%}
    {%- endfor -%}
    {%- set erased_days = var('erased_user_contact_days', 0) -%}

    {%- set cutoffs = {} -%}
    {%- for kind, days in retention.items() -%}
        {%- if days is none -%}
            {#- No retention configured for this kind: nothing is ever due. -#}
            {%- do cutoffs.update({kind: none}) -%}
        {%- elif days is not number or days < 0 -%}
            {{ exceptions.raise_compiler_error(
                "retention_days." ~ kind ~ " must be a number of days >= 0 or "
                ~ "null, got " ~ days) }}
        {%- else -%}
            {%- do cutoffs.update({kind: moment - dt.timedelta(days=days)}) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if erased_days is none -%}
        {%- set erased_cutoff = none -%}
    {%- elif erased_days is not number or erased_days < 0 -%}
        {{ exceptions.raise_compiler_error(
            "erased_user_contact_days must be a number of days >= 0 or null, got "
            ~ erased_days) }}
    {%- else -%}
        {%- set erased_cutoff = moment - dt.timedelta(days=erased_days) -%}
    {%- endif -%}

    {%- set ms = {} -%}
    {%- for kind, cutoff in cutoffs.items() -%}
        {%- do ms.update({kind: none if cutoff is none
            else ((cutoff - epoch).total_seconds() * 1000) | round | int}) -%}
    {%- endfor -%}
    {{ return({
        'as_of': moment,
        'as_of_text': moment.strftime('%Y-%m-%d %H:%M:%S.%f'),
        'as_of_ms': ((moment - epoch).total_seconds() * 1000) | round | int,
        'retention_days': retention,
        'cutoffs': cutoffs,
        'cutoff_ms': ms,
        'erased_user_contact_days': erased_days,
        'erased_cutoff_ms': none if erased_cutoff is none
            else ((erased_cutoff - epoch).total_seconds() * 1000) | round | int,
    }) }}
{% endmacro %}


{#- A timestamp literal the three engines read the same way. -#}
{% macro _scrub_timestamp(moment) -%}
    cast('{{ moment.strftime('%Y-%m-%d %H:%M:%S.%f') }}' as timestamp)
{%- endmacro %}


{#- ------------------------------------------------------------------------
    scrub_json_members(json_column, keys) -> text: the JSON object in
    json_column (the engine's JSON value, as made by json_parse_object)
    serialised with every listed top-level key that is present set to JSON
    null. Keys that are absent stay absent; every other member keeps its
    value. Pass a column (Redshift navigates it with PartiQL).
------------------------------------------------------------------------- -#}
{% macro scrub_json_members(json_column, keys) -%}
    {%- for key in keys -%}
        {%- do synapse._json_path_keys([key]) -%}
    {%- endfor -%}
    {{ return(adapter.dispatch('scrub_json_members', 'synapse')(json_column, keys)) }}
{%- endmacro %}

{% macro default__scrub_json_members(json_column, keys) -%}
    {{ exceptions.raise_compiler_error(
        "scrub_json_members is implemented for DuckDB, Postgres and Redshift only") }}
{%- endmacro %}

{% macro duckdb__scrub_json_members(json_column, keys) -%}
    {#- json_merge_patch removes a key patched with null (RFC 7386) and keeps
        the other members; the keys that were present are then put back,
        first, with a null value. -#}
    {%- set patch = '{' ~ keys | map('tojson') | join(':null,') ~ ':null}' -%}
    {%- set removed = "cast(json_merge_patch(" ~ json_column ~ ", '" ~ patch
        ~ "') as varchar)" -%}
    {%- set present -%}
        ({% for key in keys -%}
            case
                when json_type({{ json_column }}, '$."{{ key }}"') is not null
                    then '"{{ key }}":null,'
                else ''
            end{% if not loop.last %} || {% endif %}
        {%- endfor %})
    {%- endset -%}
    (case
        when {{ removed }} = '{}'
            then '{' || rtrim({{ present }}, ',') || '}'
        else '{' || {{ present }} || substr({{ removed }}, 2)
    end)
{%- endmacro %}

{% macro postgres__scrub_json_members(json_column, keys) -%}
    {#- create_missing = false: an absent key is not added. -#}
    {%- set ns = namespace(expr=json_column) -%}
    {%- for key in keys -%}
        {%- set ns.expr = "jsonb_set(" ~ ns.expr ~ ", '{" ~ key
            ~ "}', 'null'::jsonb, false)" -%}
    {%- endfor -%}
    cast({{ ns.expr }} as text)
{%- endmacro %}

{% macro redshift__scrub_json_members(json_column, keys) -%}
    {#- SUPER has no "set member" function that keeps the other members
        (OBJECT_TRANSFORM keeps only the KEEP paths). The object is
        serialised compactly and each member's compact text, which the same
        serialiser writes identically, is replaced: `"key":<value>` cannot
        occur inside a string (its quotes would be escaped), only as a member.
        Caveat: a nested object holding the same key with the same value is
        blanked too. An absent key matches `"key":null`, a no-op. -#}
    {%- set ns = namespace(expr="json_serialize(" ~ json_column ~ ")") -%}
    {%- for key in keys -%}
        {%- set ns.expr = "replace(" ~ ns.expr ~ ", '\"" ~ key ~ "\":' || coalesce("
            ~ "json_serialize(" ~ json_column ~ ".\"" ~ key ~ "\"), 'null'), '\""
            ~ key ~ "\":null')" -%}
    {%- endfor -%}
    {{ ns.expr }}
{%- endmacro %}


{#- ------------------------------------------------------------------------
    scrub_lock_statement(relations): exclusive locks for the transaction, so
    that no model reads or writes the tables between the plan and the
    updates. DuckDB has one writer per file already: nothing to do.
------------------------------------------------------------------------- -#}
{% macro scrub_lock_statement(relations) -%}
    {{ return(adapter.dispatch('scrub_lock_statement', 'synapse')(relations)) }}
{%- endmacro %}

{% macro default__scrub_lock_statement(relations) -%}
{%- endmacro %}

{% macro postgres__scrub_lock_statement(relations) -%}
    lock table {{ relations | join(', ') }} in access exclusive mode
{%- endmacro %}

{% macro redshift__scrub_lock_statement(relations) -%}
    lock {{ relations | join(', ') }}
{%- endmacro %}


{#- ------------------------------------------------------------------------
    Table models built from a CDC source that carry its change_id: their ids
    are re-keyed, and those holding the images (before / after columns) get
    the blanked images too. Read from the graph, so a new such model is
    covered without touching this file; a table model on the source without
    change_id is reported (it would keep personal data the scrub cannot see).
------------------------------------------------------------------------- -#}
{% macro _scrub_derived_models(source_name) %}
    {%- set derived = [] -%}
    {%- set unknown = [] -%}
    {%- set source_id = 'source.synapse.oltp.' ~ source_name -%}
    {#- The models whose change_id comes from the source: those that read it
        directly, then, transitively, those that read one of them (the base
        model parses the source; the change and quarantine tables copy from
        it). A model without change_id ends the chain. -#}
    {%- set carriers = [source_id] -%}
    {%- set models = graph.nodes.values() | selectattr('resource_type', 'equalto', 'model') | list -%}
    {%- set walk = namespace(grew=true) -%}
    {%- for _ in models -%}
        {%- if walk.grew -%}
            {%- set walk.grew = false -%}
            {%- for node in models -%}
                {%- if node.unique_id not in carriers
                    and 'change_id' in node.columns
                    and node.depends_on.nodes | select('in', carriers) | list -%}
                    {%- do carriers.append(node.unique_id) -%}
                    {%- set walk.grew = true -%}
                {%- endif -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for node in models -%}
        {%- if node.config.materialized in ('incremental', 'table') -%}
            {%- if node.unique_id in carriers -%}
                {%- do derived.append({
                    'name': node.name,
                    'relation': api.Relation.create(
                        database=node.database,
                        schema=node.schema,
                        identifier=node.alias,
                    ),
                    'has_images': 'before' in node.columns and 'after' in node.columns,
                }) -%}
            {%- elif source_id in node.depends_on.nodes -%}
                {%- do unknown.append(node.name) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return({'derived': derived | sort(attribute='name'), 'unknown': unknown}) }}
{% endmacro %}


{#- How the audit names a table: schema.table, as the models are named. -#}
{% macro _scrub_table_name(relation) -%}
    {{ return(relation.schema ~ '.' ~ relation.identifier) }}
{%- endmacro %}


{#- Audit table (see the YAML for its columns). -#}
{% macro _scrub_audit_relation(audit_schema) %}
    {%- if audit_schema is not string
        or not modules.re.match('^[a-z_][a-z0-9_]*$', audit_schema) -%}
        {{ exceptions.raise_compiler_error(
            "audit_schema must be a lowercase identifier, got " ~ audit_schema) }}
    {%- endif -%}
    {{ return(api.Relation.create(
        database=target.database,
        schema=audit_schema,
        identifier='personal_data_scrub_log',
    )) }}
{% endmacro %}

{% macro _scrub_audit_ddl(audit_relation) -%}
    create table if not exists {{ audit_relation }} (
        run_id varchar(64),
        scrubbed_at timestamp,
        as_of timestamp,
        table_name varchar(512),
        row_key varchar(256),
        image varchar(16),
        field varchar(64),
        reason varchar(64),
        rows_affected bigint
    )
{%- endmacro %}


{#- ------------------------------------------------------------------------
    _scrub_plan(spec, settings): the SQL of one source table's scrub, as a
    dict of named statements. Nothing here needs a connection, so the whole
    script can be rendered for Redshift with `dbt compile --no-introspect`
    (scrub_personal_data_sql).

        images    temp table, one row per image (before / after) of every
                  distinct raw row with at least one image to scrub: the
                  decision, the reason, the blanked fields and the new text
        rows      temp table, one row per distinct raw row that changes:
                  its new images and its new change hash
        rekey     temp table, old -> new change_id of every raw row whose id
                  changes, with its new images
        count_*   checks and counts read by the run-operation
        audit_*   selects of the audit rows (inserted, or printed on a dry run)
        update_*  the updates, in order
------------------------------------------------------------------------- -#}
{% macro _scrub_plan(spec, settings, audit_relation) %}
    {%- set src = source('oltp', spec.source) -%}
    {%- set found = _scrub_derived_models(spec.source) -%}
    {%- set images_table = 'scrub_' ~ spec.source ~ '_images' -%}
    {%- set rows_table = 'scrub_' ~ spec.source ~ '_rows' -%}
    {%- set rekey_table = 'scrub_' ~ spec.source ~ '_rekey' -%}
    {%- set key = spec.key -%}
    {%- set fields = spec.fields -%}
    {%- set cutoff_ms = settings.cutoff_ms[spec.kind] -%}
    {%- set cutoff = settings.cutoffs[spec.kind] -%}
    {%- set marker = _scrub_marker() -%}
    {%- set string_type = dbt.type_string() -%}

    {%- set images_sql -%}
create temporary table {{ images_table }} as
with

raw_rows as (

    {#- Identical rows (redeliveries) are decided once; copies counts them. -#}
    select
        op,
        before,
        after,
        source_lsn,
        source_ts_ms,
        loaded_at,
        count(*) as copies
    from {{ src }}
    group by op, before, after, source_lsn, source_ts_ms, loaded_at

),

parsed as (

    select
        *,
        {{ cdc_row_hash() }} as old_hash,
        {{ json_parse_object('before') }} as before_json,
        {{ json_parse_object('after') }} as after_json
    from raw_rows
    {{ optimization_fence() }}

),

keyed as (

    select
        *,
        {{ cdc_row_key('before_json', 'after_json', key) }} as key_text
    from parsed

),

judged as (

    {#- The validity rules of staging (cdc_rules.sql). -#}
    select
        *,
        case when not {{ is_blank('key_text') }} then key_text end as row_key,
        case
            when {{ cdc_image_reason(row_key='key_text') }} is null then 1 else 0
        end as is_valid
    from keyed

),

images as (

    select
        old_hash,
        copies,
        op,
        source_lsn,
        source_ts_ms,
        loaded_at,
        row_key,
        is_valid,
        'before' as image_side,
        before as image_text,
        before_json as image_json
    from judged
    where before is not null

    union all

    select
        old_hash,
        copies,
        op,
        source_lsn,
        source_ts_ms,
        loaded_at,
        row_key,
        is_valid,
        'after' as image_side,
        after as image_text,
        after_json as image_json
    from judged
    where after is not null

),

image_fields as (

    select
        *,
        {%- for field in fields %}
        {{ json_get_text('image_json', [field]) }} as field_{{ field }},
        {%- endfor %}
        {{ json_get_text('image_json', ['created_at']) }} as created_at_text
    from images

),

{%- if spec.erasure %}

latest_changes as (

    {#- The state as of as_of: changes committed by then, latest LSN first. -#}
    select
        row_key,
        op,
        source_ts_ms,
        row_number() over (
            partition by row_key order by source_lsn desc, op asc
        ) as recency
    from judged
    where is_valid = 1 and source_ts_ms <= {{ settings.as_of_ms }}

),

erased as (

    select row_key as erased_key
    from latest_changes
    where
        recency = 1
        and op = 'd'
        {%- if settings.erased_cutoff_ms is none %}
        and 1 = 0
        {%- else %}
        and source_ts_ms <= {{ settings.erased_cutoff_ms }}
        {%- endif %}

),

erased_contacts as (

    {#- What identifies an erased user's image that has no key: the id in
        malformed text, or an email address the user had. -#}
    select distinct
        erased.erased_key,
        image_fields.field_email as erased_email
    from image_fields
    inner join erased
        on image_fields.row_key = erased.erased_key

),

keyless_matches as (

    select
        image_fields.old_hash,
        image_fields.image_side,
        min(erased_contacts.erased_key) as matched_key
    from image_fields
    inner join erased_contacts
        on
            (
                image_fields.image_json is not null
                and image_fields.field_email = erased_contacts.erased_email
            )
            or (
                image_fields.image_json is null
                and (
                    strpos(image_fields.image_text, erased_contacts.erased_key || '"') > 0
                    or strpos(
                        image_fields.image_text, erased_contacts.erased_key || chr(92)
                    ) > 0
                    or strpos(image_fields.image_text, erased_contacts.erased_email) > 0
                )
            )
    where image_fields.row_key is null
    group by image_fields.old_hash, image_fields.image_side

),

current_images as (

    {#- A user's current contact image: never scrubbed by retention. -#}
    select
        row_key as current_key,
        max(source_lsn) as current_lsn
    from judged
    where is_valid = 1 and op != 'd'
    group by row_key

),

decided as (

    select
        image_fields.*,
        {#- Keys as landed, at most the raw image's own width (RS027). -#}
        cast(
            coalesce(image_fields.row_key, keyless_matches.matched_key)
            as varchar(65535)
        ) as subject_key,
        case
            when erased.erased_key is not null
                then 'erasure'
            {%- if cutoff_ms is not none %}
            when
                not coalesce(
                    image_fields.image_side = 'after'
                    and image_fields.is_valid = 1
                    and image_fields.source_lsn = current_images.current_lsn,
                    false
                )
                and image_fields.source_ts_ms < {{ cutoff_ms }}
                then '{{ spec.kind }}_retention'
            {%- endif %}
        end as scrub_reason
    from image_fields
    left join keyless_matches
        on
            image_fields.old_hash = keyless_matches.old_hash
            and image_fields.image_side = keyless_matches.image_side
    left join erased
        on coalesce(image_fields.row_key, keyless_matches.matched_key) = erased.erased_key
    left join current_images
        on image_fields.row_key = current_images.current_key

),

{%- else %}

image_times as (

    select
        *,
        {{ parse_iso8601_utc('created_at_text') }} as created_at,
        {{ epoch_ms_to_timestamp('source_ts_ms') }} as committed_at
    from image_fields
    {{ optimization_fence() }}

),

decided as (

    {#- created_at is the message's own time; an image without a readable
        one (malformed) falls back to the commit, never earlier. -#}
    select
        *,
        cast(row_key as varchar(65535)) as subject_key,
        case
            {%- if cutoff is none %}
            when 1 = 0 then ''
            {%- else %}
            when coalesce(created_at, committed_at) < {{ _scrub_timestamp(cutoff) }}
                then '{{ spec.kind }}_retention'
            {%- endif %}
        end as scrub_reason
    from image_times

),

{%- endif %}

planned as (

    select
        *,
        case
            when scrub_reason is null
                then 'keep'
            when
                image_json is not null
                and (
                    {%- for field in fields %}
                    field_{{ field }} is not null{% if not loop.last %} or{% endif %}
                    {%- endfor %}
                )
                then 'fields'
            when
                image_json is null
                and image_text != '{{ marker }}'
                and (
                    {%- for field in fields %}
                    strpos(image_text, '{{ field }}') > 0{% if not loop.last %} or{% endif %}
                    {%- endfor %}
                )
                then 'whole_image'
            else 'keep'
        end as scrub_action
    from decided

),

touched_rows as (

    select distinct old_hash as touched_hash
    from planned
    where scrub_action != 'keep'

),

final as (

    select
        planned.old_hash,
        planned.copies,
        planned.op as row_op,
        planned.source_lsn as row_source_lsn,
        planned.source_ts_ms as row_source_ts_ms,
        planned.loaded_at as row_loaded_at,
        planned.subject_key,
        planned.image_side,
        planned.scrub_reason,
        planned.scrub_action,
        {%- for field in fields %}
        case
            when planned.scrub_action = 'fields' and planned.field_{{ field }} is not null
                then 1
            else 0
        end as blanked_{{ field }},
        {%- endfor %}
        case
            when planned.scrub_action = 'fields'
                then {{ scrub_json_members('planned.image_json', fields) }}
            when planned.scrub_action = 'whole_image'
                then '{{ marker }}'
            else planned.image_text
        end as new_text
    from planned
    inner join touched_rows
        on planned.old_hash = touched_rows.touched_hash

)

select * from final
    {%- endset -%}

    {%- set rows_sql -%}
create temporary table {{ rows_table }} as
with

pivoted as (

    select
        old_hash,
        max(row_op) as row_op,
        max(row_source_lsn) as row_source_lsn,
        max(row_source_ts_ms) as row_source_ts_ms,
        max(row_loaded_at) as row_loaded_at,
        max(case when image_side = 'before' then new_text end) as new_before,
        max(case when image_side = 'after' then new_text end) as new_after
    from {{ images_table }}
    group by old_hash

),

final as (

    select
        old_hash,
        new_before,
        new_after,
        {{ cdc_row_hash(
            'row_op', 'new_before', 'new_after', 'row_source_lsn',
            'row_source_ts_ms', 'row_loaded_at'
        ) }} as new_hash
    from pivoted

)

select * from final
    {%- endset -%}

    {%- set rekey_sql -%}
create temporary table {{ rekey_table }} as
with

touched_hashes as (

    select old_hash as touched_hash from {{ rows_table }}
    union
    select new_hash as touched_hash from {{ rows_table }}

),

raw_rows as (

    select
        before,
        after,
        loaded_at,
        {{ cdc_row_hash() }} as old_hash
    from {{ src }}

),

numbered as (

    {#- Occurrences of identical rows, as cdc_parse_ctes numbers them. -#}
    select
        raw_rows.*,
        row_number() over (
            partition by raw_rows.old_hash order by raw_rows.old_hash
        ) as old_occurrence
    from raw_rows
    inner join touched_hashes
        on raw_rows.old_hash = touched_hashes.touched_hash

),

targets as (

    select
        numbered.old_hash,
        numbered.old_occurrence,
        numbered.loaded_at,
        numbered.old_hash || '-' || cast(numbered.old_occurrence as {{ string_type }})
            as old_change_id,
        coalesce(scrubbed.new_hash, numbered.old_hash) as new_hash,
        case when scrubbed.old_hash is null then 0 else 1 end as is_scrubbed,
        case
            when scrubbed.old_hash is null then numbered.before else scrubbed.new_before
        end as new_before,
        case
            when scrubbed.old_hash is null then numbered.after else scrubbed.new_after
        end as new_after
    from numbered
    left join {{ rows_table }} as scrubbed
        on numbered.old_hash = scrubbed.old_hash

),

renumbered as (

    {#- Rows that become identical share a hash: number them again, rows
        that were already there first, so they keep their ids. -#}
    select
        *,
        new_hash || '-' || cast(row_number() over (
            partition by new_hash
            order by is_scrubbed, old_occurrence, old_change_id
        ) as {{ string_type }}) as new_change_id
    from targets

),

final as (

    select
        old_hash,
        old_change_id,
        new_change_id,
        new_before,
        new_after,
        loaded_at
    from renumbered
    where old_change_id != new_change_id

)

select * from final
    {%- endset -%}

    {#- ---------- audit selects: one row per key, image, field and reason -#}
    {%- set raw_audit_sql = _scrub_audit_select(
        _scrub_table_name(src),
        'select ' ~ _scrub_blanked_columns(fields, '') ~ ', copies as weight from '
        ~ images_table ~ " where scrub_action != 'keep'",
        fields, settings
    ) -%}

    {%- set derived_statements = [] -%}
    {%- for model in found.derived -%}
        {%- set rekey_audit -%}
select
    '{{ invocation_id }}' as run_id,
    {{ _scrub_timestamp(run_started_at.replace(tzinfo=none)) }} as scrubbed_at,
    {{ _scrub_timestamp(settings.as_of) }} as as_of,
    '{{ _scrub_table_name(model.relation) }}' as table_name,
    cast(null as {{ string_type }}) as row_key,
    cast(null as {{ string_type }}) as image,
    'change_id' as field,
    'rekey' as reason,
    count(*) as rows_affected
from {{ model.relation }} as derived
inner join {{ rekey_table }} as rekey
    on derived.change_id = rekey.old_change_id
having count(*) > 0
        {%- endset -%}
        {%- set image_audit = none -%}
        {%- if model.has_images -%}
            {%- set image_audit = _scrub_audit_select(
                _scrub_table_name(model.relation),
                'select ' ~ _scrub_blanked_columns(fields, 'images.')
                ~ ', 1 as weight from ' ~ model.relation ~ ' as derived'
                ~ ' inner join ' ~ rekey_table ~ ' as rekey'
                ~ ' on derived.change_id = rekey.old_change_id'
                ~ ' inner join ' ~ images_table ~ ' as images'
                ~ ' on rekey.old_hash = images.old_hash'
                ~ " where images.scrub_action != 'keep'",
                fields, settings
            ) -%}
        {%- endif -%}
        {%- set update_sql -%}
update {{ model.relation }} as derived
set
    change_id = rekey.new_change_id
    {%- if model.has_images %},
    before = rekey.new_before,
    after = rekey.new_after
    {%- endif %}
from {{ rekey_table }} as rekey
where derived.change_id = rekey.old_change_id
        {%- endset -%}
        {%- do derived_statements.append({
            'name': model.name,
            'relation': model.relation,
            'has_images': model.has_images,
            'audit_rekey': rekey_audit,
            'audit_images': image_audit,
            'update_sql': update_sql,
        }) -%}
    {%- endfor -%}

    {%- set update_raw_sql -%}
update {{ src }} as landed
set
    before = scrubbed.new_before,
    after = scrubbed.new_after
from {{ rows_table }} as scrubbed
where {{ cdc_row_hash(
    'landed.op', 'landed.before', 'landed.after', 'landed.source_lsn',
    'landed.source_ts_ms', 'landed.loaded_at'
) }} = scrubbed.old_hash
    {%- endset -%}

    {{ return({
        'source': spec.source,
        'relation': src,
        'temp_tables': [images_table, rows_table, rekey_table],
        'images': images_sql,
        'rows': rows_sql,
        'rekey': rekey_sql,
        'count_images': "select scrub_action, scrub_reason, count(*), sum(copies) from "
            ~ images_table ~ " group by scrub_action, scrub_reason"
            ~ " order by scrub_action, scrub_reason",
        'count_rows': 'select count(*) from ' ~ rows_table,
        'count_rekey': 'select count(*) from ' ~ rekey_table,
        'audit_raw': raw_audit_sql,
        'update_raw': update_raw_sql,
        'derived': derived_statements,
        'unknown_models': found.unknown,
    }) }}
{% endmacro %}


{#- The columns an audit select reads, optionally qualified. -#}
{% macro _scrub_blanked_columns(fields, prefix) -%}
    {%- set columns = ['subject_key', 'image_side', 'scrub_reason', 'scrub_action'] -%}
    {%- for field in fields -%}
        {%- do columns.append('blanked_' ~ field) -%}
    {%- endfor -%}
    {{ return(prefix ~ columns | join(', ' ~ prefix)) }}
{%- endmacro %}


{#- Guard: every id to re-key of a row the models have read (landed no
    later than the latest row they hold) must be in one of them. -#}
{% macro _scrub_guard_sql(rekey_table, relations) -%}
select count(*) as missing
from {{ rekey_table }} as rekey
where
    rekey.loaded_at <= (
        select max(read_until) from (
            {%- for relation in relations %}
            select max(loaded_at) as read_until from {{ relation }}
            {%- if not loop.last %}
            union all
            {%- endif %}
            {%- endfor %}
        ) as models_read
    )
    and not exists (
        {%- for relation in relations %}
        select 1 from {{ relation }} as derived
        where derived.change_id = rekey.old_change_id
        {%- if not loop.last %}
        union all
        {%- endif %}
        {%- endfor %}
    )
{%- endmacro %}


{#- One audit select over `blanked_sql` (subject_key, image_side,
    scrub_reason, scrub_action, blanked_<field>..., weight): a row per key,
    image, field and reason, with the number of rows. -#}
{% macro _scrub_audit_select(table_name, blanked_sql, fields, settings) -%}
    {%- set string_type = dbt.type_string() -%}
with

blanked as (

    {{ blanked_sql }}

),

per_field as (

    {%- for field in fields %}
    select
        subject_key,
        image_side,
        '{{ field }}' as field,
        scrub_reason,
        weight
    from blanked
    where scrub_action = 'fields' and blanked_{{ field }} = 1

    union all
    {%- endfor %}

    select
        subject_key,
        image_side,
        'whole_image' as field,
        scrub_reason,
        weight
    from blanked
    where scrub_action = 'whole_image'

)

select
    '{{ invocation_id }}' as run_id,
    {{ _scrub_timestamp(run_started_at.replace(tzinfo=none)) }} as scrubbed_at,
    {{ _scrub_timestamp(settings.as_of) }} as as_of,
    '{{ table_name }}' as table_name,
    cast(subject_key as {{ string_type }}) as row_key,
    cast(image_side as {{ string_type }}) as image,
    cast(field as {{ string_type }}) as field,
    cast(scrub_reason as {{ string_type }}) as reason,
    sum(weight) as rows_affected
from per_field
group by subject_key, image_side, field, scrub_reason
{%- endmacro %}


{#- ------------------------------------------------------------------------
    scrub_personal_data_sql(as_of, audit_schema): the whole scrub as one SQL
    script, statements separated by `;` and a comment naming each, for review
    and for the Redshift check. Needs no connection: render it with
    `dbt compile --inline "{{ scrub_personal_data_sql() }}" --target prod
    --no-introspect`. The run-operation skips, at run time, the updates of
    relations that do not exist yet.
------------------------------------------------------------------------- -#}
{% macro scrub_personal_data_sql(as_of=none, audit_schema='governance') %}
    {%- set settings = _scrub_settings(as_of) -%}
    {%- set audit_relation = _scrub_audit_relation(audit_schema) -%}
    {%- set statements = [
        ('one transaction', 'begin'),
        ('create audit schema', 'create schema if not exists ' ~ audit_schema),
        ('create audit table', _scrub_audit_ddl(audit_relation)),
    ] -%}
    {%- for spec in _scrub_specs() -%}
        {%- set plan = _scrub_plan(spec, settings, audit_relation) -%}
        {%- set locked = [plan.relation.include(database=false) | string] -%}
        {%- for model in plan.derived -%}
            {%- do locked.append(model.relation.include(database=false) | string) -%}
        {%- endfor -%}
        {%- set lock_sql = scrub_lock_statement(locked) | trim -%}
        {%- if lock_sql -%}
            {%- do statements.append((plan.source ~ ': lock', lock_sql)) -%}
        {%- endif -%}
        {%- for temp in plan.temp_tables -%}
            {%- do statements.append((plan.source ~ ': drop ' ~ temp,
                'drop table if exists ' ~ temp)) -%}
        {%- endfor -%}
        {%- do statements.append((plan.source ~ ': plan images', plan.images)) -%}
        {%- do statements.append((plan.source ~ ': plan rows', plan.rows)) -%}
        {%- do statements.append((plan.source ~ ': plan re-keys', plan.rekey)) -%}
        {%- if plan.derived -%}
            {%- do statements.append((plan.source ~ ': guard', _scrub_guard_sql(
                plan.temp_tables[2], plan.derived | map(attribute='relation') | list
            ))) -%}
        {%- endif -%}
        {%- do statements.append((plan.source ~ ': audit',
            'insert into ' ~ audit_relation ~ '\n' ~ plan.audit_raw)) -%}
        {%- for model in plan.derived -%}
            {%- do statements.append((model.name ~ ': audit re-keys',
                'insert into ' ~ audit_relation ~ '\n' ~ model.audit_rekey)) -%}
            {%- if model.audit_images -%}
                {%- do statements.append((model.name ~ ': audit images',
                    'insert into ' ~ audit_relation ~ '\n' ~ model.audit_images)) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- do statements.append((plan.source ~ ': update', plan.update_raw)) -%}
        {%- for model in plan.derived -%}
            {%- do statements.append((model.name ~ ': update', model.update_sql)) -%}
        {%- endfor -%}
        {%- for temp in plan.temp_tables -%}
            {%- do statements.append((plan.source ~ ': drop ' ~ temp,
                'drop table if exists ' ~ temp)) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- do statements.append(('commit', 'commit')) -%}
    {%- set rendered = [] -%}
    {%- for name, sql in statements -%}
        {%- do rendered.append('-- scrub step: ' ~ name ~ '\n' ~ sql | trim ~ '\n;') -%}
    {%- endfor -%}
    {{ return(rendered | join('\n\n')) }}
{% endmacro %}


{#- ------------------------------------------------------------------------
    One transaction for the whole scrub. dbt's run-operation neither begins
    nor commits one: on DuckDB dbt opens it with the first statement (run
    with auto_begin) and adapter.commit() ends it; on Postgres and Redshift
    the connection may be in autocommit mode, so the scrub sends BEGIN and
    COMMIT itself (a BEGIN inside an open transaction is only a warning). An
    error anywhere closes the connection and the server rolls back.
------------------------------------------------------------------------- -#}
{% macro _scrub_run(sql) %}
    {%- call statement('scrub_personal_data', fetch_result=true, auto_begin=true) -%}
        {{ sql }}
    {%- endcall -%}
    {{ return(load_result('scrub_personal_data').table) }}
{% endmacro %}

{% macro scrub_transaction_begin() %}
    {{ return(adapter.dispatch('scrub_transaction_begin', 'synapse')()) }}
{% endmacro %}

{% macro default__scrub_transaction_begin() %}
    {%- do _scrub_run('begin') -%}
{% endmacro %}

{% macro duckdb__scrub_transaction_begin() %}
    {%- do _scrub_run('select 1 as scrub_transaction_begins') -%}
{% endmacro %}

{% macro scrub_transaction_commit() %}
    {{ return(adapter.dispatch('scrub_transaction_commit', 'synapse')()) }}
{% endmacro %}

{% macro default__scrub_transaction_commit() %}
    {%- do _scrub_run('commit') -%}
{% endmacro %}

{% macro duckdb__scrub_transaction_commit() %}
    {%- do adapter.commit() -%}
{% endmacro %}


{#- ------------------------------------------------------------------------
    scrub_personal_data(as_of, dry_run, audit_schema): the run-operation.
------------------------------------------------------------------------- -#}
{% macro scrub_personal_data(as_of=none, dry_run=false, audit_schema='governance') %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set settings = _scrub_settings(as_of) -%}
    {%- set audit_relation = _scrub_audit_relation(audit_schema) -%}
    {%- set mode = 'DRY RUN, nothing changes' if dry_run else 'in place' -%}
    {{ log('scrub_personal_data (' ~ mode ~ '): run ' ~ invocation_id ~ ', as_of '
        ~ settings.as_of_text ~ ' UTC', info=True) }}
    {{ log('  retention days: ' ~ settings.retention_days | tojson
        ~ '; erased users\' contacts after ' ~ settings.erased_user_contact_days
        ~ ' day(s)', info=True) }}
    {%- for kind, cutoff in settings.cutoffs.items() -%}
        {{ log('  ' ~ kind ~ ' due when older than '
            ~ (cutoff.strftime('%Y-%m-%d %H:%M:%S') if cutoff is not none else 'never'),
            info=True) }}
    {%- endfor -%}

    {%- do scrub_transaction_begin() -%}
    {#- Postgres reads JSON through the project's UDF (made by every build). -#}
    {%- do _scrub_run(create_udfs()) -%}
    {%- if not dry_run -%}
        {%- do _scrub_run('create schema if not exists ' ~ audit_schema) -%}
        {%- do _scrub_run(_scrub_audit_ddl(audit_relation)) -%}
    {%- endif -%}

    {%- set totals = [] -%}
    {%- for spec in _scrub_specs() -%}
        {%- set plan = _scrub_plan(spec, settings, audit_relation) -%}
        {%- set src = plan.relation -%}
        {%- if adapter.get_relation(src.database, src.schema, src.identifier) is none -%}
            {{ log('  ' ~ src ~ ': not found, skipped', info=True) }}
        {%- else -%}
        {%- for name in plan.unknown_models -%}
            {{ log('  WARNING: ' ~ name ~ ' is a table built from ' ~ src
                ~ ' without change_id: not re-keyed nor scrubbed', info=True) }}
        {%- endfor -%}
        {%- set present = [] -%}
        {%- for model in plan.derived -%}
            {%- set rel = model.relation -%}
            {%- if adapter.get_relation(rel.database, rel.schema, rel.identifier)
                is not none -%}
                {%- do present.append(model) -%}
            {%- endif -%}
        {%- endfor -%}

        {%- if not dry_run -%}
            {%- set locked = [src.include(database=false) | string] -%}
            {%- for model in present -%}
                {%- do locked.append(model.relation.include(database=false) | string) -%}
            {%- endfor -%}
            {%- set lock_sql = scrub_lock_statement(locked) | trim -%}
            {%- if lock_sql -%}
                {%- do _scrub_run(lock_sql) -%}
            {%- endif -%}
        {%- endif -%}

        {%- for temp in plan.temp_tables -%}
            {%- do _scrub_run('drop table if exists ' ~ temp) -%}
        {%- endfor -%}
        {%- do _scrub_run(plan.images) -%}
        {%- do _scrub_run(plan.rows) -%}
        {%- do _scrub_run(plan.rekey) -%}
        {%- set changed_rows = _scrub_run(plan.count_rows).columns[0].values()[0] -%}
        {%- set rekeyed = _scrub_run(plan.count_rekey).columns[0].values()[0] -%}
        {{ log('  ' ~ src ~ ': ' ~ changed_rows ~ ' distinct row(s) to scrub, '
            ~ rekeyed ~ ' change_id(s) to re-key', info=True) }}
        {%- for row in _scrub_run(plan.count_images).rows -%}
            {%- if row[0] != 'keep' -%}
                {{ log('    ' ~ row[1] ~ ': ' ~ row[3] ~ ' image(s) ' ~ row[0],
                    info=True) }}
            {%- endif -%}
        {%- endfor -%}

        {#- Guard: every id to re-key must be the id staging gave the row
            (for rows the models have read). A miss means the hash recipe
            drifted from cdc_parse_ctes: stop before changing anything (the
            transaction is rolled back). -#}
        {%- if present -%}
            {%- set missing = _scrub_run(_scrub_guard_sql(
                plan.temp_tables[2], present | map(attribute='relation') | list
            )).columns[0].values()[0] -%}
            {%- if missing and missing > 0 -%}
                {{ exceptions.raise_compiler_error(
                    "scrub_personal_data: " ~ missing ~ " change_id(s) of " ~ src
                    ~ " to re-key are in none of "
                    ~ present | map(attribute='name') | join(', ')
                    ~ ": the row hash no longer matches cdc_parse_ctes, or a model"
                    ~ " was built only in part. Nothing was changed.") }}
            {%- endif -%}
        {%- endif -%}

        {%- set audits = [(_scrub_table_name(src), plan.audit_raw)] -%}
        {%- for model in present -%}
            {%- do audits.append((_scrub_table_name(model.relation), model.audit_rekey)) -%}
            {%- if model.audit_images -%}
                {%- do audits.append(
                    (_scrub_table_name(model.relation), model.audit_images)
                ) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- for table_name, audit_sql in audits -%}
            {%- if dry_run -%}
                {%- set result = _scrub_run(audit_sql) -%}
                {%- for row in result.rows -%}
                    {%- do totals.append((table_name, row[6], row[7], row[8])) -%}
                {%- endfor -%}
            {%- else -%}
                {%- do _scrub_run('insert into ' ~ audit_relation ~ '\n' ~ audit_sql) -%}
            {%- endif -%}
        {%- endfor -%}

        {%- if not dry_run and (changed_rows > 0 or rekeyed > 0) -%}
            {%- do _scrub_run(plan.update_raw) -%}
            {%- for model in present -%}
                {%- do _scrub_run(model.update_sql) -%}
            {%- endfor -%}
            {{ log('  ' ~ src ~ ': updated in place; re-keyed '
                ~ present | map(attribute='name') | join(', '), info=True) }}
        {%- endif -%}
        {%- for temp in plan.temp_tables -%}
            {%- do _scrub_run('drop table if exists ' ~ temp) -%}
        {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}

    {#- Everything above is one transaction, committed here; a dry run is
        rolled back when the connection closes. -#}
    {%- if not dry_run -%}
        {%- do scrub_transaction_commit() -%}
        {%- set summary = _scrub_run(
            "select table_name, field, reason, sum(rows_affected) from "
            ~ audit_relation ~ " where run_id = '" ~ invocation_id ~ "'"
            ~ " group by table_name, field, reason order by table_name, field, reason"
        ) -%}
        {%- for row in summary.rows -%}
            {%- do totals.append((row[0], row[1], row[2], row[3])) -%}
        {%- endfor -%}
    {%- endif -%}

    {#- Summary: per table, field and reason (dry-run rows are per key). -#}
    {%- set grouped = {} -%}
    {%- for table_name, field, reason, count in totals -%}
        {%- set label = table_name ~ ' ' ~ field ~ ' (' ~ reason ~ ')' -%}
        {%- do grouped.update({label: grouped.get(label, 0) + (count | int)}) -%}
    {%- endfor -%}
    {{ log('scrub_personal_data summary'
        ~ (' (dry run: would change)' if dry_run else '') ~ ':', info=True) }}
    {%- if grouped | length == 0 -%}
        {{ log('  nothing to scrub: every due field is already blank', info=True) }}
    {%- endif -%}
    {%- for label in grouped | sort -%}
        {{ log('  ' ~ label ~ ': ' ~ grouped[label] ~ ' row(s)', info=True) }}
    {%- endfor -%}
    {%- if not dry_run -%}
        {{ log('  audit: ' ~ audit_relation ~ " where run_id = '" ~ invocation_id
            ~ "'", info=True) }}
    {%- endif -%}
{% endmacro %}
