{#-
    Transactions and locks of a multi-statement run-operation (today the
    personal-data scrub, macros/governance/retention/). dbt's run-operation
    neither begins nor commits a transaction, and engines differ in how one
    is opened. Documented in _cross_db__macros.yml.

        DuckDB    dbt opens the transaction with the first statement run with
                  auto_begin; adapter.commit() ends it; one writer per file,
                  so no lock
        Postgres  the connection may be in autocommit mode: BEGIN and COMMIT
                  are sent (a BEGIN inside an open transaction is only a
                  warning); `lock table ... in access exclusive mode`
        Redshift  as Postgres; `lock ...` (always exclusive)

    An error anywhere closes the connection and the server rolls back.
-#}


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
    scrub_transaction_begin() / scrub_transaction_commit(): open and commit
    the one transaction of the run-operation.
------------------------------------------------------------------------- -#}
{% macro _scrub_transaction_statement(sql) %}
    {%- call statement('scrub_transaction', auto_begin=true) -%}
        {{ sql }}
    {%- endcall -%}
{% endmacro %}

{% macro scrub_transaction_begin() %}
    {{ return(adapter.dispatch('scrub_transaction_begin', 'synapse')()) }}
{% endmacro %}

{% macro default__scrub_transaction_begin() %}
    {%- do synapse._scrub_transaction_statement('begin') -%}
{% endmacro %}

{% macro duckdb__scrub_transaction_begin() %}
    {%- do synapse._scrub_transaction_statement('select 1 as scrub_transaction_begins') -%}
{% endmacro %}

{% macro scrub_transaction_commit() %}
    {{ return(adapter.dispatch('scrub_transaction_commit', 'synapse')()) }}
{% endmacro %}

{% macro default__scrub_transaction_commit() %}
    {%- do synapse._scrub_transaction_statement('commit') -%}
{% endmacro %}

{% macro duckdb__scrub_transaction_commit() %}
    {%- do adapter.commit() -%}
{% endmacro %}
