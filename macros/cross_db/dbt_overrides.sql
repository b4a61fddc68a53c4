{#-
    The project's versions of dbt macros, per engine. Documented in
    _cross_db__macros.yml; dbt_project.yml's `dispatch` block makes dbt look
    here before its own package, and a root project's materialization takes
    precedence over the adapter's.

    Redshift: dbt's type_string() is TEXT, which Redshift stores as
    VARCHAR(256), and dbt.hash() casts its argument to it. An explicit cast to
    a shorter VARCHAR cuts the text without an error, so the hash of a Debezium
    row (before, after and envelope, often longer than 256 bytes) would be the
    hash of its first 256 bytes: distinct changes would share a change_id.
    The widest VARCHAR keeps every byte, as on DuckDB and Postgres.

    DuckDB (ADR 0012): the same relations with fewer statements on every
    run (docs/performance/staging.md, "dbt's own statements on DuckDB").
    dbt's generic view materialization, and dbt-duckdb's table one, build
    the relation under a temporary name and swap it in with two renames and
    a drop, for engines without transactional DDL; DuckDB replaces a view
    atomically and drops and creates a table in one transaction. dbt's
    comments take three statements per relation, and list the columns of a
    model whose contract has just checked them.
-#}
{% macro redshift__type_string() -%}
    {{ return('varchar(65535)') }}
{%- endmacro %}

{% macro redshift__hash(field) -%}
    md5(cast({{ field }} as varchar(65535)))
{%- endmacro %}


{#- A view in one statement: `create or replace view`, in the run's
    transaction, then the grants, the comments and the hooks as dbt's own
    view materialization does them. A table of the same name (the model
    was a table before) is dropped first. -#}
{%- materialization view, adapter='duckdb' -%}

    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type='view') -%}
    {%- set grant_config = config.get('grants') -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- if existing_relation is not none and not existing_relation.is_view %}
        {{ drop_relation_if_exists(existing_relation) }}
    {%- endif %}

    {% call statement('main') -%}
        {{ synapse.duckdb__create_or_replace_view_as(target_relation, sql) }}
    {%- endcall %}

    {%- set should_revoke = should_revoke(existing_relation, full_refresh_mode=True) %}
    {%- do apply_grants(target_relation, grant_config, should_revoke=should_revoke) %}
    {%- do persist_docs(target_relation, model) %}

    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}

{%- endmaterialization -%}


{#- dbt-duckdb's create_view_as (contract check, sql_header), replacing. -#}
{% macro duckdb__create_or_replace_view_as(relation, sql) -%}
    {%- if config.get('contract').enforced %}
        {{ get_assert_columns_equivalent(sql) }}
    {%- endif %}
    {%- set sql_header = config.get('sql_header', none) %}
    {{ sql_header if sql_header is not none }}
    create or replace view {{ relation }} as (
        {{ sql }}
    );
{%- endmacro %}


{#- A table rebuilt in place: the old relation is dropped and the new one
    created in one statement, inside the run's transaction (DuckDB's DDL is
    transactional, so a failed build leaves the old table as it was), then
    indexes, hooks, grants and comments in the order dbt-duckdb's own table
    materialization uses. Its create is dbt-duckdb's create_table_as
    (contract, constraints, sql_header). No foreign keys: the project
    declares none, and DuckDB refuses to drop a table another table's
    foreign key references, with an error, so one added later fails the
    build instead of being lost. -#}
{%- materialization table, adapter='duckdb' -%}

    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set grant_config = config.get('grants') -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {% call statement('main') -%}
        {%- if existing_relation is not none %}
            {{ get_drop_sql(existing_relation) }};
        {%- endif %}
        {{ create_table_as(False, target_relation, sql) }}
    {%- endcall %}
    {%- if existing_relation is not none %}
        {%- do adapter.cache_dropped(existing_relation) %}
    {%- endif %}

    {%- do create_indexes(target_relation) %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {%- do apply_grants(target_relation, grant_config, should_revoke=should_revoke(existing_relation, full_refresh_mode=True)) %}
    {%- do persist_docs(target_relation, model) %}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}

    {{ return({'relations': [target_relation]}) }}

{%- endmaterialization -%}


{#- dbt's persist_docs in one statement: the relation's comment and its
    columns' together. A model with an enforced contract has exactly its
    documented columns (dbt has just checked them), so they are not listed;
    any other model's are listed once, and only the columns it has get a
    comment, as in dbt's own. -#}
{% macro duckdb__persist_docs(relation, model, for_relation, for_columns) -%}
    {%- set statements = [] %}
    {%- if for_relation and config.persist_relation_docs() and model.description %}
        {%- do statements.append(alter_relation_comment(relation, model.description)) %}
    {%- endif %}
    {%- if for_columns and config.persist_column_docs() and model.columns %}
        {%- if config.get('contract').enforced %}
            {%- set columns = model.columns %}
        {%- else %}
            {%- set existing = adapter.get_columns_in_relation(relation) | map(attribute='name') | list %}
            {%- set columns = validate_doc_columns(relation, model.columns, existing) %}
        {%- endif %}
        {%- do statements.append(alter_column_comment(relation, columns)) %}
    {%- endif %}
    {%- if statements | join('') | trim %}
        {%- do run_query(statements | join('\n')) %}
    {%- endif %}
{%- endmacro %}


{#- The comments for the columns it is given (persist_docs has chosen
    them); dbt-duckdb's version lists the relation's columns again. -#}
{% macro duckdb__alter_column_comment(relation, column_dict) -%}
    {%- for column_name, column in column_dict.items() %}
        comment on column {{ relation }}.{{ adapter.quote(column_name) if column['quote'] else column_name }}
            is {{ duckdb_escape_comment(column['description']) }};
    {%- endfor %}
{%- endmacro %}
