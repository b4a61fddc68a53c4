{#-
    Column-level access from the classification metadata.

    dbt's `grants` config stops at tables; analysts need column granularity.
    After every build of a model, seed or snapshot (a rebuild drops its
    grants), this post-hook makes the relation's privileges converge on the
    configuration: it revokes everything any role other than the owner holds
    on the relation (including roles since removed from the var), then
    grants SELECT on exactly the columns whose `meta.classification` each
    configured role may read, plus USAGE on the schema when the role may use
    it; USAGE held by any other role is revoked. The role map is the var
    `column_access_roles`:

        analyst: {classifications: [public, internal], schemas: [mart, ...]}

    A role is only granted on relations in its schemas, so the restricted
    schema stays invisible to everyone but the roles that list it. Role,
    schema and classification names must be plain lowercase identifiers
    (checked before anything is rendered); column names are quoted with
    their embedded quotes doubled. A configured role that does not exist is
    reported by the test `assert_grant_roles_exist` (a warning that counts
    in the results, an error on production targets), not by every hook.
-#}

{% macro apply_column_grants() %}
    {%- if not execute or not var('apply_column_grants', true) -%}
        {{ return('') }}
    {%- endif -%}
    {{ return(adapter.dispatch('apply_column_grants', 'synapse')()) }}
{% endmacro %}


{#- The var column_access_roles, every name checked (roles, schemas and
    classifications are rendered into SQL). -#}
{% macro column_access_roles() %}
    {%- set roles = var('column_access_roles', {}) or {} -%}
    {%- if roles is not mapping -%}
        {{ exceptions.raise_compiler_error(
            'var column_access_roles must map role names to {classifications, schemas}') }}
    {%- endif -%}
    {%- for role, access in roles.items() -%}
        {%- do synapse.sql_identifier(role, 'column_access_roles: role') -%}
        {%- for key in ['classifications', 'schemas'] -%}
            {%- if access is not mapping or access.get(key) is string
                or access.get(key) is none -%}
                {{ exceptions.raise_compiler_error(
                    'column_access_roles: role ' ~ role ~ ' needs a list ' ~ key) }}
            {%- endif -%}
            {%- for name in access[key] -%}
                {%- do synapse.sql_identifier(name, 'column_access_roles: ' ~ key[:-1]) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(roles) }}
{% endmacro %}


{#- A double-quoted identifier with embedded double quotes doubled. -#}
{% macro quoted_identifier(name) -%}
    {{ return('"' ~ (name | string) | replace('"', '""') ~ '"') }}
{%- endmacro %}


{#- Statements granting one relation's columns, role by role (all engines).
    `existing_roles`: only these roles (none: all configured roles).
    `stale_grantees`: other grantees holding privileges on the relation, as
    grantee clauses (see _stale_from_rows), revoked. -#}
{% macro column_grant_statements(
    relation, schema, columns, existing_roles=none, stale_grantees=[]
) %}
    {%- set statements = [] -%}
    {%- set roles = synapse.column_access_roles() -%}
    {%- for grantee in stale_grantees -%}
        {%- do statements.append('revoke all on ' ~ relation ~ ' from ' ~ grantee) -%}
    {%- endfor -%}
    {%- for role, access in roles.items() -%}
        {%- if existing_roles is none or role in existing_roles -%}
            {%- do statements.append(
                'revoke all on ' ~ relation ~ ' from ' ~ synapse.role_grantee(role)
            ) -%}
            {%- if schema in access['schemas'] -%}
                {%- set readable = [] -%}
                {%- for column in columns.values() -%}
                    {%- if column.get('meta', {}).get('classification')
                        in access['classifications'] -%}
                        {%- do readable.append(
                            synapse.quoted_identifier(column['name'])) -%}
                    {%- endif -%}
                {%- endfor -%}
                {%- do statements.append(
                    'grant usage on schema ' ~ synapse.quoted_identifier(schema)
                    ~ ' to ' ~ synapse.role_grantee(role)
                ) -%}
                {%- if readable -%}
                    {%- do statements.append(
                        'grant select (' ~ readable | join(', ') ~ ') on '
                        ~ relation ~ ' to ' ~ synapse.role_grantee(role)
                    ) -%}
                {%- endif -%}
            {%- else -%}
                {%- do statements.append(
                    'revoke usage on schema ' ~ synapse.quoted_identifier(schema)
                    ~ ' from ' ~ synapse.role_grantee(role)
                ) -%}
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


{#- Roles other than the owner that hold any privilege on the relation (table
    or column ACL) or USAGE on its schema without being configured for it:
    what must be revoked for the privileges to converge. -#}
{% macro postgres__stale_grantees(relation, configured, schema_roles) %}
    {%- set schema_literal = synapse.sql_string_literal(relation.schema) -%}
    {%- set name_literal = synapse.sql_string_literal(relation.identifier) -%}
    {%- set query -%}
        with target_relation as (
            select c.oid, c.relacl, c.relowner
            from pg_class as c
            inner join pg_namespace as n on c.relnamespace = n.oid
            where n.nspname = {{ schema_literal }} and c.relname = {{ name_literal }}
        ),
        grantees as (
            select acl.grantee, 'relation' as scope
            from target_relation
            cross join lateral aclexplode(target_relation.relacl) as acl
            where acl.grantee != target_relation.relowner
            union
            select acl.grantee, 'relation' as scope
            from target_relation
            inner join pg_attribute as att on att.attrelid = target_relation.oid
            cross join lateral aclexplode(att.attacl) as acl
            where acl.grantee != target_relation.relowner
            union
            select acl.grantee, 'schema' as scope
            from pg_namespace as n
            cross join lateral aclexplode(n.nspacl) as acl
            where n.nspname = {{ schema_literal }} and acl.grantee != n.nspowner
        )
        select distinct r.rolname, grantees.scope, 'role' as identity_type
        from grantees
        inner join pg_roles as r on grantees.grantee = r.oid
        where r.rolname != current_user
    {%- endset -%}
    {{ return(synapse._stale_from_rows(run_query(query).rows, configured, schema_roles)) }}
{% endmacro %}


{#- Catalog rows (name, 'relation' | 'schema', identity type) -> the grantee
    clauses to revoke from: on the relation, every grantee that is not a
    configured role; on the schema, every grantee that is not a role
    configured for it. Only a role can be configured, so a user or a group
    holding privileges is always stale. The identity type is 'role' where
    the engine has one kind of grantee (Postgres), else 'role', 'user' or
    'group' (Redshift, whose GRANT reads a bare name as a user). -#}
{% macro _stale_from_rows(rows, configured, schema_roles) %}
    {%- set relation_stale = [] -%}
    {%- set schema_stale = [] -%}
    {%- for row in rows -%}
        {%- set name, scope, kind = row[0], row[1], row[2] -%}
        {%- set wanted = configured if scope == 'relation' else schema_roles -%}
        {%- if kind != 'role' or name not in wanted -%}
            {%- do (relation_stale if scope == 'relation' else schema_stale)
                .append(synapse.grantee_clause(name, kind)) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return({'relation': relation_stale, 'schema': schema_stale}) }}
{% endmacro %}


{#- Redshift: the same question asked of its privilege views (explicit
    grants on the relation, on its columns, and USAGE on its schema), to
    roles, groups and users other than the one running dbt (who owns what
    it builds). -#}
{% macro redshift__stale_grantees(relation, configured, schema_roles) %}
    {%- set schema_literal = synapse.sql_string_literal(relation.schema) -%}
    {%- set name_literal = synapse.sql_string_literal(relation.identifier) -%}
    {%- set query -%}
        with grantees as (
            {% for view in ['svv_relation_privileges', 'svv_column_privileges'] -%}
                select identity_name, identity_type, 'relation' as scope
                from {{ view }}
                where
                    namespace_name = {{ schema_literal }}
                    and relation_name = {{ name_literal }}
                union
            {% endfor -%}
            select identity_name, identity_type, 'schema' as scope
            from svv_schema_privileges
            where
                namespace_name = {{ schema_literal }}
                and privilege_type = 'USAGE'
        )
        select distinct identity_name, scope, identity_type
        from grantees
        where
            identity_type in ('role', 'group', 'user')
            and not (identity_type = 'user' and identity_name = current_user)
    {%- endset -%}
    {{ return(synapse._stale_from_rows(run_query(query).rows, configured, schema_roles)) }}
{% endmacro %}


{#- The statements that make this relation's privileges converge: the
    configured roles the warehouse has (`roles_catalog`, `name_column`)
    are granted, every other grantee the engine's stale_grantees finds is
    revoked. -#}
{% macro _converging_grant_statements(roles_catalog, name_column, stale_grantees) %}
    {#- Roles are cluster objects that a developer's server may lack: a
        missing role is skipped here and reported once, as a warning that
        counts (an error on production targets), by the test
        assert_grant_roles_exist. -#}
    {%- set roles = synapse.column_access_roles() -%}
    {%- set wanted = roles.keys() | list -%}
    {%- set found = run_query(
        "select " ~ name_column ~ " from " ~ roles_catalog ~ " where "
        ~ name_column ~ " in (" ~ synapse.sql_string_list(wanted) ~ ")"
    ).columns[0].values() | list if wanted else [] -%}
    {%- set schema_roles = [] -%}
    {%- for role, access in roles.items()
        if role in found and this.schema in access['schemas'] -%}
        {%- do schema_roles.append(role) -%}
    {%- endfor -%}
    {%- set stale = stale_grantees(this, wanted, schema_roles) -%}
    {%- set statements = column_grant_statements(
        this, this.schema, model.columns, found, stale['relation']
    ) -%}
    {%- for grantee in stale['schema'] -%}
        {%- do statements.append(
            'revoke usage on schema ' ~ synapse.quoted_identifier(this.schema)
            ~ ' from ' ~ grantee
        ) -%}
    {%- endfor -%}
    {{ return(statements) }}
{% endmacro %}


{% macro postgres__apply_column_grants() %}
    {%- set statements = synapse._converging_grant_statements(
        'pg_roles', 'rolname', synapse.postgres__stale_grantees
    ) -%}
    {#- Two threads granting USAGE on one schema at once fail with "tuple
        concurrently updated": serialise grants until the model commits. -#}
    {%- do statements.insert(
        0, "select pg_advisory_xact_lock(hashtext('synapse.column_grants'))"
    ) -%}
    {{ return(statements | join(';\n')) }}
{% endmacro %}


{% macro redshift__apply_column_grants() %}
    {%- set statements = synapse._converging_grant_statements(
        'svv_roles', 'role_name', synapse.redshift__stale_grantees
    ) -%}
    {{ return(statements | join(';\n')) }}
{% endmacro %}


{#- Configured roles the warehouse lacks, as a query for the test
    assert_grant_roles_exist (no rows where roles are not a thing). -#}
{% macro missing_grant_roles_sql() %}
    {{ return(adapter.dispatch('missing_grant_roles_sql', 'synapse')()) }}
{% endmacro %}

{% macro default__missing_grant_roles_sql() %}
    select cast(null as {{ dbt.type_string() }}) as role_name
    where 1 = 0
{% endmacro %}

{% macro postgres__missing_grant_roles_sql() %}
    {{ return(synapse._configured_roles_missing_from('pg_roles', 'rolname')) }}
{% endmacro %}

{% macro redshift__missing_grant_roles_sql() %}
    {{ return(synapse._configured_roles_missing_from('svv_roles', 'role_name')) }}
{% endmacro %}

{#- The configured roles absent from a catalog of roles (`catalog`, whose
    role names are in `name_column`). -#}
{% macro _configured_roles_missing_from(catalog, name_column) %}
    {%- set roles = synapse.column_access_roles().keys() | list -%}
    {%- if not roles -%}{{ return(synapse.default__missing_grant_roles_sql()) }}{%- endif -%}
    {%- set query -%}
    select configured.role_name
    from (
        {% for role in roles -%}
            select {{ synapse.sql_string_literal(role) }} as role_name
            {% if not loop.last %}union all{% endif %}
        {% endfor %}
    ) as configured
    left join {{ catalog }} on configured.role_name = {{ catalog }}.{{ name_column }}
    where {{ catalog }}.{{ name_column }} is null
    {%- endset -%}
    {{ return(query) }}
{% endmacro %}
