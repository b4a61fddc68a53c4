{#-
    The scrub as a list of named steps, in the one order they run. The
    run-operation (scrub_personal_data) executes the list; the renderer
    (scrub_personal_data_sql) prints it. Each step is a dict:

        name   what the step is about, e.g. `users_cdc: plan images`
        kind   begin | setup | audit table | lock | temp table | check |
               guard | audit | update | commit | note (see _retention__macros.yml
               for what the run-operation does with each)
        sql    the statement ('' for a note)
        table  the CDC source table the step belongs to (none for the
               transaction and setup steps)

    and, by kind: `measure` (check: rows, rekeys or images), `models`
    (guard: the derived models' names), `select` and `table_name` (audit: the
    select inserted, run alone on a dry run), `relation` (update),
    `message` (note). Nothing here runs a query; with introspect the list
    leaves out relations that do not exist yet (one metadata lookup each).
    Documented in _retention__macros.yml.
-#}


{% macro _scrub_step(name, kind, sql, extra={}) %}
    {#- One statement, without its terminator (the renderer adds one). -#}
    {%- set sql = sql | trim -%}
    {%- if sql.endswith(';') -%}
        {%- set sql = sql[:-1] | trim -%}
    {%- endif -%}
    {%- set step = {'name': name, 'kind': kind, 'sql': sql, 'table': none} -%}
    {%- do step.update(extra) -%}
    {{ return(step) }}
{% endmacro %}


{% macro _scrub_steps(settings, audit_relation, introspect=false) %}
    {%- set steps = [
        _scrub_step('one transaction', 'begin', 'begin'),
        _scrub_step('create udfs', 'setup', create_udfs()),
        _scrub_step('create audit schema', 'audit table',
            'create schema if not exists ' ~ audit_relation.schema),
        _scrub_step('create audit table', 'audit table',
            _scrub_audit_ddl(audit_relation)),
    ] -%}
    {%- for spec in _scrub_specs() -%}
        {%- do steps.extend(_scrub_table_steps(spec, settings, audit_relation, introspect)) -%}
    {%- endfor -%}
    {%- do steps.append(_scrub_step('commit', 'commit', 'commit')) -%}
    {{ return(steps) }}
{% endmacro %}


{#- The relation exists (always true without introspection). -#}
{% macro _scrub_exists(relation, introspect) %}
    {{ return(not introspect or adapter.get_relation(
        relation.database, relation.schema, relation.identifier) is not none) }}
{% endmacro %}


{#- ------------------------------------------------------------------------
    One CDC table's steps: lock, plan (three temp tables), checks, guard,
    audits, updates (raw, then each derived model), clean-up.
------------------------------------------------------------------------- -#}
{% macro _scrub_table_steps(spec, settings, audit_relation, introspect) %}
    {%- set table = spec.source -%}
    {%- set src = source('oltp', table) -%}
    {%- set on_table = {'table': table, 'relation': src} -%}
    {%- if not _scrub_exists(src, introspect) -%}
        {{ return([_scrub_step(table ~ ': skipped', 'note', '',
            {'table': table, 'message': src ~ ': not found, skipped'})]) }}
    {%- endif -%}
    {%- set found = _scrub_derived_models(table) -%}
    {%- set steps = [] -%}
    {%- for name in found.unknown -%}
        {%- do steps.append(_scrub_step(name ~ ': not scrubbed', 'note', '',
            {'table': table, 'message': 'WARNING: ' ~ name ~ ' is a table built from '
                ~ src ~ ' without change_id: not re-keyed nor scrubbed'})) -%}
    {%- endfor -%}
    {%- set models = [] -%}
    {%- for model in found.derived if _scrub_exists(model.relation, introspect) -%}
        {%- do models.append(model) -%}
    {%- endfor -%}
    {%- set images = 'scrub_' ~ table ~ '_images' -%}
    {%- set rows = 'scrub_' ~ table ~ '_rows' -%}
    {%- set rekey = 'scrub_' ~ table ~ '_rekey' -%}

    {%- set locked = [src.include(database=false) | string] -%}
    {%- for model in models -%}
        {%- do locked.append(model.relation.include(database=false) | string) -%}
    {%- endfor -%}
    {%- set lock_sql = scrub_lock_statement(locked) | trim -%}
    {%- if lock_sql -%}
        {%- do steps.append(_scrub_step(table ~ ': lock', 'lock', lock_sql, on_table)) -%}
    {%- endif -%}
    {%- set drops = [] -%}
    {%- for temp in [images, rows, rekey] -%}
        {%- do drops.append(_scrub_step(table ~ ': drop ' ~ temp, 'temp table',
            'drop table if exists ' ~ temp, on_table)) -%}
    {%- endfor -%}
    {%- do steps.extend(drops) -%}
    {%- do steps.extend([
        _scrub_step(table ~ ': plan images', 'temp table',
            _scrub_images_sql(spec, settings, images), on_table),
        _scrub_step(table ~ ': plan rows', 'temp table',
            _scrub_rows_sql(images, rows), on_table),
        _scrub_step(table ~ ': plan re-keys', 'temp table',
            _scrub_rekey_sql(src, rows, rekey), on_table),
        _scrub_step(table ~ ': count rows', 'check',
            'select count(*) from ' ~ rows, {'table': table, 'measure': 'rows'}),
        _scrub_step(table ~ ': count re-keys', 'check',
            'select count(*) from ' ~ rekey, {'table': table, 'measure': 'rekeys'}),
        _scrub_step(table ~ ': count images', 'check',
            'select scrub_action, scrub_reason, count(*) as images,'
            ~ ' sum(copies) as raw_rows from ' ~ images
            ~ ' group by scrub_action, scrub_reason order by scrub_action, scrub_reason',
            {'table': table, 'measure': 'images'}),
    ]) -%}
    {%- if models -%}
        {%- do steps.append(_scrub_step(table ~ ': guard', 'guard',
            _scrub_guard_sql(rekey, models | map(attribute='relation') | list),
            {'table': table, 'relation': src,
                'models': models | map(attribute='name') | list})) -%}
    {%- endif -%}

    {%- set audits = [(table ~ ': audit', src,
        _scrub_audit_raw_sql(spec, src, images, settings))] -%}
    {%- for model in models -%}
        {%- do audits.append((model.name ~ ': audit re-keys', model.relation,
            _scrub_audit_model_rekey_sql(model, rekey, settings))) -%}
        {%- if model.has_images -%}
            {%- do audits.append((model.name ~ ': audit images', model.relation,
                _scrub_audit_model_images_sql(spec, model, images, rekey, settings))) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for name, relation, select_sql in audits -%}
        {%- do steps.append(_scrub_step(name, 'audit',
            'insert into ' ~ audit_relation ~ '\n' ~ select_sql,
            {'table': table, 'select': select_sql,
                'table_name': _scrub_table_name(relation)})) -%}
    {%- endfor -%}

    {%- do steps.append(_scrub_step(table ~ ': update', 'update',
        _scrub_update_raw_sql(src, rows), on_table)) -%}
    {%- for model in models -%}
        {%- do steps.append(_scrub_step(model.name ~ ': update', 'update',
            _scrub_update_model_sql(model, rekey),
            {'table': table, 'relation': model.relation})) -%}
    {%- endfor -%}
    {%- do steps.extend(drops) -%}
    {{ return(steps) }}
{% endmacro %}


{#- ------------------------------------------------------------------------
    Table models that carry a CDC source's change_id (reading the source, or
    transitively a model that does): their ids are re-keyed, and those holding the images (before / after columns) get
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
