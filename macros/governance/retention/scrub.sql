{#-
    Retention and erasure of personal data: `dbt run-operation
    scrub_personal_data`. Documented in _retention__macros.yml; the decision
    record is docs/decisions/0005-personal-data-scrub.md.

    The scrub blanks personal fields IN PLACE (UPDATE); it never deletes or
    adds a row, so every row count, the conservation law and every staged,
    intermediate and mart output stay as they were.

        raw.messages_cdc  `content` of the images of messages created more
                          than retention_days.message_content days before
                          as_of (reason message_content_retention)
        raw.users_cdc     `email`, `full_name`, `phone` of every image of an
                          erased user (reason erasure), and of superseded
                          images committed more than
                          retention_days.user_contact days before as_of
                          (reason user_contact_retention; a user's current
                          image is never touched)

    The files of this folder:

        scrub.sql           the run-operation (executor) and the renderer
        scrub_steps.sql     the list of steps, in the one order they run
        scrub_settings.sql  specs, the retention vars, as_of and cutoffs
        scrub_images.sql    the images to change, their action and new text
        scrub_rules.sql     when an image is due: erasure and age rules
        scrub_rekey.sql     new rows and ids, the guard, the updates
        scrub_audit.sql     the audit table and its rows

    Engine differences (JSON members, locks, the transaction) are dispatched
    in macros/cross_db/; the CDC hash and validity rules are staging's own
    (macros/staging/cdc_rules.sql).
-#}


{#- ------------------------------------------------------------------------
    scrub_personal_data_sql(as_of, audit_schema): every step as one SQL
    script, each statement after a `-- scrub step: <name>` and a `-- kind:`
    comment, for review and for the Redshift check. Needs no connection:
    `dbt compile --inline "{{ scrub_personal_data_sql() }}" --target prod
    --no-introspect`. The run-operation runs the same list, leaving out the
    relations that do not exist yet and, on a dry run, what writes.
------------------------------------------------------------------------- -#}
{% macro scrub_personal_data_sql(as_of=none, audit_schema='governance') %}
    {%- set settings = _scrub_settings(as_of) -%}
    {%- set audit_relation = _scrub_audit_relation(audit_schema) -%}
    {%- set rendered = [] -%}
    {%- for step in _scrub_steps(settings, audit_relation, introspect=false) -%}
        {%- if step.kind == 'note' -%}
            {%- do rendered.append('-- scrub note: ' ~ step.message) -%}
        {%- else -%}
            {%- do rendered.append('-- scrub step: ' ~ step.name ~ '\n-- kind: '
                ~ step.kind ~ '\n' ~ step.sql ~ ';') -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(rendered | join('\n\n')) }}
{% endmacro %}


{#- ------------------------------------------------------------------------
    scrub_personal_data(as_of, dry_run, audit_schema): the run-operation.
    Runs the steps of _scrub_steps in their order, in one transaction (begun
    and committed here: a run-operation does neither), then logs a summary.
------------------------------------------------------------------------- -#}
{% macro scrub_personal_data(as_of=none, dry_run=false, audit_schema='governance') %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set settings = _scrub_settings(as_of) -%}
    {%- set audit_relation = _scrub_audit_relation(audit_schema) -%}
    {%- do _scrub_log_settings(settings, dry_run) -%}
    {%- set counts = {} -%}
    {%- set totals = [] -%}
    {%- for step in _scrub_steps(settings, audit_relation, introspect=true) -%}
        {%- do _scrub_execute_step(step, dry_run, counts, totals) -%}
    {%- endfor -%}
    {%- if not dry_run -%}
        {%- set summary = _scrub_run(
            "select table_name, field, reason, sum(rows_affected) from "
            ~ audit_relation ~ " where run_id = '" ~ invocation_id ~ "'"
            ~ " group by table_name, field, reason order by table_name, field, reason"
        ) -%}
        {%- for row in summary.rows -%}
            {%- do totals.append((row[0], row[1], row[2], row[3])) -%}
        {%- endfor -%}
    {%- endif -%}
    {%- do _scrub_log_summary(totals, dry_run, audit_relation) -%}
{% endmacro %}


{#- ------------------------------------------------------------------------
    What the run-operation does with one step, by kind. `counts` (per table:
    rows, rekeys) and `totals` (dry-run audit rows) are filled as it goes.
    A dry run runs the plan, the checks and the guard, and the audit selects
    alone; it writes nothing and never commits (the transaction is rolled
    back when the connection closes).
------------------------------------------------------------------------- -#}
{% macro _scrub_execute_step(step, dry_run, counts, totals) %}
    {%- set kind = step.kind -%}
    {%- if kind == 'note' -%}
        {{ log('  ' ~ step.message, info=True) }}
    {%- elif kind == 'begin' -%}
        {%- do scrub_transaction_begin() -%}
    {%- elif kind == 'commit' -%}
        {%- if not dry_run -%}
            {%- do scrub_transaction_commit() -%}
        {%- endif -%}
    {%- elif kind in ('audit table', 'lock') -%}
        {%- if not dry_run -%}
            {%- do _scrub_run(step.sql) -%}
        {%- endif -%}
    {%- elif kind in ('setup', 'temp table') -%}
        {%- do _scrub_run(step.sql) -%}
    {%- elif kind == 'check' -%}
        {%- do _scrub_check(step, counts) -%}
    {%- elif kind == 'guard' -%}
        {#- Every id to re-key must be the id staging gave the row (for rows
            the models have read). A miss means the hash recipe drifted from
            cdc_judged_rows: stop before changing anything. -#}
        {%- set missing = _scrub_run(step.sql).columns[0].values()[0] -%}
        {%- if missing and missing > 0 -%}
            {{ exceptions.raise_compiler_error(
                "scrub_personal_data: " ~ missing ~ " change_id(s) of " ~ step.relation
                ~ " to re-key are in none of " ~ step.models | join(', ')
                ~ ": the row hash no longer matches cdc_judged_rows, or a model"
                ~ " was built only in part. Nothing was changed.") }}
        {%- endif -%}
    {%- elif kind == 'audit' -%}
        {%- if dry_run -%}
            {%- for row in _scrub_run(step.select).rows -%}
                {%- do totals.append((step.table_name, row[6], row[7], row[8])) -%}
            {%- endfor -%}
        {%- else -%}
            {%- do _scrub_run(step.sql) -%}
        {%- endif -%}
    {%- elif kind == 'update' -%}
        {%- set due = counts.get(step.table, {}) -%}
        {%- if not dry_run and (due.rows > 0 or due.rekeys > 0) -%}
            {%- do _scrub_run(step.sql) -%}
            {{ log('  ' ~ step.relation ~ ': updated in place', info=True) }}
        {%- endif -%}
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "scrub_personal_data: step " ~ step.name ~ " has an unknown kind " ~ kind) }}
    {%- endif -%}
{% endmacro %}


{#- A check step: runs its count and logs it. -#}
{% macro _scrub_check(step, counts) %}
    {%- set result = _scrub_run(step.sql) -%}
    {%- set table_counts = counts.setdefault(step.table, {}) -%}
    {%- if step.measure == 'images' -%}
        {%- for row in result.rows if row[0] != 'keep' -%}
            {{ log('    ' ~ row[1] ~ ': ' ~ row[3] ~ ' image(s) ' ~ row[0], info=True) }}
        {%- endfor -%}
    {%- else -%}
        {%- do table_counts.update({step.measure: result.columns[0].values()[0]}) -%}
        {%- if step.measure == 'rekeys' -%}
            {{ log('  ' ~ step.table ~ ': ' ~ table_counts.rows ~ ' distinct row(s)'
                ~ ' to scrub, ' ~ table_counts.rekeys ~ ' change_id(s) to re-key',
                info=True) }}
        {%- endif -%}
    {%- endif -%}
{% endmacro %}


{#- ------------------------------------------------------------------------
    Runs one statement of the scrub through dbt's `statement` with
    auto_begin (run_query never begins a transaction): on DuckDB the first
    statement opens dbt's transaction. An error anywhere closes the
    connection and the server rolls back.
------------------------------------------------------------------------- -#}
{% macro _scrub_run(sql) %}
    {%- call statement('scrub_personal_data', fetch_result=true, auto_begin=true) -%}
        {{ sql }}
    {%- endcall -%}
    {{ return(load_result('scrub_personal_data').table) }}
{% endmacro %}


{% macro _scrub_log_settings(settings, dry_run) %}
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
{% endmacro %}


{#- Summary: per table, field and reason (dry-run rows are per key). -#}
{% macro _scrub_log_summary(totals, dry_run, audit_relation) %}
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
