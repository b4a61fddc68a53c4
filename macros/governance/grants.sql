{#-
    Column-level access from the classification metadata.

    dbt's `grants` config stops at tables; analysts need column granularity.
    After every build of a model (a rebuild drops its grants), this post-hook
    revokes what each role had on the relation and grants SELECT on exactly
    the columns whose `meta.classification` the role may read, plus USAGE on
    the schema when the role may use it. The role map is the var
    `column_access_roles`:

        analyst: {classifications: [public, internal], schemas: [mart, ...]}

    A role is only granted on relations in its schemas, so the restricted
    schema stays invisible to everyone but the roles that list it.
-#}

{% macro apply_column_grants() %}
    {%- if not execute or not var('apply_column_grants', true) -%}
        {{ return('') }}
    {%- endif -%}
    {{ return(adapter.dispatch('apply_column_grants', 'synapse')()) }}
{% endmacro %}


{#- Statements granting one relation's columns, role by role (all engines). -#}
{% macro column_grant_statements(relation, schema, columns, existing_roles=none) %}
    {%- set statements = [] -%}
    {%- for role, access in var('column_access_roles').items() -%}
        {%- if existing_roles is none or role in existing_roles -%}
            {%- do statements.append(
                'revoke all on ' ~ relation ~ ' from ' ~ role_grantee(role)
            ) -%}
            {%- if schema in access['schemas'] -%}
                {%- set readable = [] -%}
                {%- for column in columns.values() -%}
                    {%- if column.get('meta', {}).get('classification')
                        in access['classifications'] -%}
                        {%- do readable.append(adapter.quote(column['name'])) -%}
                    {%- endif -%}
                {%- endfor -%}
                {%- do statements.append(
                    'grant usage on schema ' ~ adapter.quote(schema)
                    ~ ' to ' ~ role_grantee(role)
                ) -%}
                {%- if readable -%}
                    {%- do statements.append(
                        'grant select (' ~ readable | join(', ') ~ ') on '
                        ~ relation ~ ' to ' ~ role_grantee(role)
                    ) -%}
                {%- endif -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements) }}
{% endmacro %}


{% macro default__apply_column_grants() %}
    {%- set statements = column_grant_statements(
        this, this.schema, model.columns
    ) -%}
    {%- do log(
        'column grants for ' ~ this ~ ' (logged only on ' ~ target.type ~ '): '
        ~ statements | length ~ ' statements', info=false
    ) -%}
    {{ return('') }}
{% endmacro %}


{% macro postgres__apply_column_grants() %}
    {#- Roles are cluster objects that a developer's server may lack: skip a
        missing role with a warning instead of failing every build. -#}
    {%- set wanted = var('column_access_roles').keys() | list -%}
    {%- set found = run_query(
        "select rolname from pg_roles where rolname in ('"
        ~ wanted | join("', '") ~ "')"
    ).columns[0].values() | list -%}
    {%- for role in wanted if role not in found -%}
        {%- do exceptions.warn(
            'column grants: role ' ~ role ~ ' does not exist; skipped'
        ) -%}
    {%- endfor -%}
    {%- set statements = column_grant_statements(
        this, this.schema, model.columns, found
    ) -%}
    {#- Two threads granting USAGE on one schema at once fail with "tuple
        concurrently updated": serialise grants until the model commits. -#}
    {%- do statements.insert(
        0, "select pg_advisory_xact_lock(hashtext('synapse.column_grants'))"
    ) -%}
    {{ return(statements | join(';\n')) }}
{% endmacro %}


{% macro redshift__apply_column_grants() %}
    {{ return(column_grant_statements(this, this.schema, model.columns) | join(';\n')) }}
{% endmacro %}
