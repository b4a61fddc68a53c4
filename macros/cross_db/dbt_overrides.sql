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
    dbt's generic view materialization builds a view under a temporary name
    and swaps it in with two renames and a drop, for engines that cannot
    replace a view in place; DuckDB replaces one atomically. And dbt's
    column comments list the relation's columns twice.
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


{#- dbt's persist_docs passes only the columns the relation has (it has
    just listed them); dbt-duckdb's version lists them again. -#}
{% macro duckdb__alter_column_comment(relation, column_dict) -%}
    {%- for column_name, column in column_dict.items() %}
        comment on column {{ relation }}.{{ adapter.quote(column_name) if column['quote'] else column_name }}
            is {{ duckdb_escape_comment(column['description']) }};
    {%- endfor %}
{%- endmacro %}
