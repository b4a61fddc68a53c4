{#-
    Refresh the real-time views between builds (the `realtime` job runs it
    every minute after the incremental staging models).

    Postgres and Redshift: `refresh materialized view` for every model of
    models/marts/realtime/ built as a materialized view. A view that does not
    exist yet stops the run-operation with what to do. DuckDB has no
    materialized views: its real-time models are plain views, always
    current, so there is nothing to refresh.
-#}
{% macro refresh_realtime_views() %}
    {{- return(adapter.dispatch('refresh_realtime_views', 'synapse')()) -}}
{% endmacro %}

{% macro default__refresh_realtime_views() %}
    {%- set refreshed = [] -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model'
        and node.original_file_path.startswith('models/marts/realtime/')
        and node.config.materialized == 'materialized_view' -%}
        {%- set relation = adapter.get_relation(
            database=node.database, schema=node.schema, identifier=node.alias
        ) -%}
        {%- if relation is none -%}
            {{ exceptions.raise_compiler_error(
                node.schema ~ '.' ~ node.alias ~ ' does not exist yet: build it once '
                ~ 'with `dbt build --selector realtime`, then refresh'
            ) }}
        {%- endif -%}
        {%- do run_query('refresh materialized view ' ~ relation) -%}
        {%- do refreshed.append(relation | string) -%}
    {%- endfor -%}
    {{ log('refreshed ' ~ refreshed | length ~ ' materialized view(s): '
        ~ refreshed | join(', '), info=true) }}
{% endmacro %}

{% macro duckdb__refresh_realtime_views() %}
    {{ log('DuckDB: the real-time models are plain views, always current; '
        ~ 'nothing to refresh', info=true) }}
{% endmacro %}
