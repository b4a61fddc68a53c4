{#-
    Results as data: every dbt invocation records itself, each node's result
    and each source freshness result in the `monitoring` schema. Documented
    in _monitoring__macros.yml.

    ensure_monitoring_tables()  on-run-start: creates schema and tables
    record_run_results(results) on-run-end: delete + insert by invocation_id

    SQL kept to what DuckDB, Postgres and Redshift share: `create ... if not
    exists`, declared varchar lengths, plain multi-row insert ... values, a
    delete before the insert (no merge, no on conflict, no DO block).
-#}

{% macro monitoring_schema() -%}
    {{- return(generate_schema_name(var('monitoring_schema', 'monitoring'), none) | trim) -}}
{%- endmacro %}


{#- Fully qualified (database.schema.table): on DuckDB a file named
    monitoring.duckdb would otherwise make `monitoring.x` ambiguous. -#}
{% macro monitoring_relation(table) -%}
    {{- return(api.Relation.create(
        database=target.database, schema=monitoring_schema(), identifier=table
    )) -}}
{%- endmacro %}


{% macro monitoring_table_columns() -%}
    {#- One place for the three tables' columns and types: the DDL and the
        inserts both read it, so they cannot drift apart. -#}
    {{ return({
        'dbt_invocations': [
            ('invocation_id', 'varchar(64)'),
            ('command', 'varchar(64)'),
            ('target_name', 'varchar(64)'),
            ('target_type', 'varchar(32)'),
            ('started_at', 'timestamp'),
            ('completed_at', 'timestamp'),
            ('dbt_version', 'varchar(32)'),
            ('nodes', 'integer'),
            ('failed_nodes', 'integer'),
            ('selector', 'varchar(1024)'),
        ],
        'dbt_node_results': [
            ('invocation_id', 'varchar(64)'),
            ('unique_id', 'varchar(512)'),
            ('resource_type', 'varchar(32)'),
            ('node_name', 'varchar(512)'),
            ('status', 'varchar(32)'),
            ('failures', 'bigint'),
            ('execution_time_seconds', 'double precision'),
            ('completed_at', 'timestamp'),
            ('message', 'varchar(4096)'),
            ('test_name', 'varchar(256)'),
            ('tested_node_id', 'varchar(512)'),
            ('severity', 'varchar(16)'),
        ],
        'dbt_source_freshness_results': [
            ('invocation_id', 'varchar(64)'),
            ('unique_id', 'varchar(512)'),
            ('source_name', 'varchar(256)'),
            ('table_name', 'varchar(256)'),
            ('status', 'varchar(32)'),
            ('max_loaded_at', 'timestamp'),
            ('snapshotted_at', 'timestamp'),
            ('age_seconds', 'double precision'),
        ],
    }) }}
{%- endmacro %}


{% macro ensure_monitoring_tables() %}
    {%- if not execute or not flags.INTROSPECT -%}
        {{ return('') }}
    {%- endif -%}
    {%- do adapter.create_schema(api.Relation.create(
        database=target.database, schema=monitoring_schema()
    )) -%}
    {%- for table, columns in monitoring_table_columns().items() -%}
        {%- set column_sql = [] -%}
        {%- for name, type in columns -%}
            {%- do column_sql.append(name ~ ' ' ~ type) -%}
        {%- endfor -%}
        {%- do run_query(
            'create table if not exists ' ~ monitoring_relation(table)
            ~ ' (' ~ column_sql | join(', ') ~ ')'
        ) -%}
    {%- endfor -%}
    {{ return('') }}
{% endmacro %}


{% macro _monitoring_insert(table, rows) %}
    {#- rows: lists of SQL expressions, in the column order of the table;
        500 rows per statement keeps each statement small. -#}
    {%- set columns = monitoring_table_columns()[table] -%}
    {%- set names = [] -%}
    {%- for name, type in columns -%}{%- do names.append(name) -%}{%- endfor -%}
    {%- for batch in rows | batch(500) -%}
        {%- set values = [] -%}
        {%- for row in batch -%}
            {%- do values.append('(' ~ row | join(', ') ~ ')') -%}
        {%- endfor -%}
        {%- do run_query(
            'insert into ' ~ monitoring_relation(table)
            ~ ' (' ~ names | join(', ') ~ ') values ' ~ values | join(', ')
        ) -%}
    {%- endfor -%}
{% endmacro %}


{% macro _result_completed_at(result) -%}
    {%- set ns = namespace(completed=none) -%}
    {%- for timing in result.timing or [] -%}
        {%- if timing.completed_at -%}{%- set ns.completed = timing.completed_at -%}{%- endif -%}
    {%- endfor -%}
    {{ return(ns.completed) }}
{%- endmacro %}


{% macro _number_or_null(value, cast_type='double precision') -%}
    {%- if value is number -%}
        {{ return('cast(' ~ value ~ ' as ' ~ cast_type ~ ')') }}
    {%- endif -%}
    {{ return('cast(null as ' ~ cast_type ~ ')') }}
{%- endmacro %}


{% macro record_run_results(results, invocation=none) %}
    {#- `invocation` replaces dbt's invocation_id: for re-recording results
        by run-operation (and for the test that repeats a recording). -#}
    {%- if not execute or not flags.INTROSPECT -%}
        {{ return('') }}
    {%- endif -%}
    {%- do ensure_monitoring_tables() -%}
    {%- set schema = monitoring_schema() -%}
    {%- set recorded_id = invocation or invocation_id -%}
    {%- set invocation = sql_string_literal(recorded_id) -%}
    {%- set node_rows = [] -%}
    {%- set freshness_rows = [] -%}
    {%- set failed = [] -%}
    {%- for result in results -%}
        {%- set node = result.node -%}
        {%- set status = result.status | string | lower -%}
        {%- if status in ('error', 'fail', 'runtime error') -%}
            {%- do failed.append(node.unique_id) -%}
        {%- endif -%}
        {%- if node.resource_type == 'source' -%}
            {%- do freshness_rows.append([
                invocation,
                sql_string_literal(node.unique_id),
                sql_string_literal(node.source_name),
                sql_string_literal(node.name),
                sql_string_literal(status),
                timestamp_literal(result.max_loaded_at if result.max_loaded_at is defined else none),
                timestamp_literal(result.snapshotted_at if result.snapshotted_at is defined else none),
                _number_or_null(result.age if result.age is defined else none),
            ]) -%}
        {%- else -%}
            {%- set test_metadata = node.test_metadata if node.test_metadata is defined else none -%}
            {%- set attached = node.attached_node if node.attached_node is defined else none -%}
            {%- if not attached and node.resource_type == 'test' and node.sources -%}
                {%- set attached = 'source.' ~ node.package_name ~ '.' ~ node.sources[0] | join('.') -%}
            {%- endif -%}
            {%- do node_rows.append([
                invocation,
                sql_string_literal(node.unique_id),
                sql_string_literal(node.resource_type),
                sql_string_literal(node.name),
                sql_string_literal(status),
                _number_or_null(result.failures, 'bigint'),
                _number_or_null(result.execution_time),
                timestamp_literal(_result_completed_at(result)),
                sql_string_literal((result.message | string)[:4000] if result.message is not none else none),
                sql_string_literal(test_metadata.name if test_metadata else none),
                sql_string_literal(attached),
                sql_string_literal(node.config.severity | lower
                    if node.resource_type == 'test' else none),
            ]) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set invocation_row = [
        invocation,
        sql_string_literal(invocation_args_dict.get('which')),
        sql_string_literal(target.name),
        sql_string_literal(target.type),
        timestamp_literal(run_started_at),
        timestamp_literal(modules.datetime.datetime.utcnow()),
        sql_string_literal(dbt_version),
        (results | length) ~ '',
        (failed | length) ~ '',
        sql_string_literal(invocation_args_dict.get('select') | join(' ')
            if invocation_args_dict.get('select') else none),
    ] -%}
    {#- Idempotent: the invocation's earlier rows go first, so a re-run of
        the hook (or of the same invocation) never duplicates. -#}
    {%- for table in ['dbt_invocations', 'dbt_node_results', 'dbt_source_freshness_results'] -%}
        {%- do run_query(
            'delete from ' ~ monitoring_relation(table) ~ ' where invocation_id = ' ~ invocation
        ) -%}
    {%- endfor -%}
    {%- do _monitoring_insert('dbt_invocations', [invocation_row]) -%}
    {%- do _monitoring_insert('dbt_node_results', node_rows) -%}
    {%- do _monitoring_insert('dbt_source_freshness_results', freshness_rows) -%}
    {%- do log(
        'monitoring: recorded invocation ' ~ recorded_id ~ ' (' ~ node_rows | length
        ~ ' node results, ' ~ freshness_rows | length ~ ' freshness results) in '
        ~ schema, info=true
    ) -%}
    {{ return('') }}
{% endmacro %}


{#- The instant the monitoring models judge, as a SQL timestamp: the var
    monitoring_as_of when set (tests pin it), else the env var
    SYNAPSE_MONITORING_AS_OF (same use, without changing vars: dbt then
    re-parses only the models that use it), else the current UTC time of
    the query (views then judge whenever they are read). -#}
{% macro monitoring_as_of() -%}
    {%- set pinned = var('monitoring_as_of', none)
        or env_var('SYNAPSE_MONITORING_AS_OF', '') -%}
    {%- if pinned -%}
        {{ timestamp_literal(pinned | string) }}
    {%- else -%}
        {{ utc_now() }}
    {%- endif -%}
{%- endmacro %}


{#- Start of a rate incident: the clock hour after the latest calm hour of
    the last 24 (calm_hour_expr, null when none was calm), never later than
    the hour holding monitoring_as_of. Needs the `as_of` CTE of mon_alerts. -#}
{% macro incident_start(calm_hour_expr) -%}
    least(
        coalesce(
            {{ dbt.dateadd('hour', 1, calm_hour_expr) }},
            {{ dbt.dateadd('hour', -24, 'as_of.as_of_hour') }}
        ),
        as_of.as_of_hour
    )
{%- endmacro %}
