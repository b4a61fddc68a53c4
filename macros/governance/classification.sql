{#-
    Fails the run when a documented column of a model, seed, snapshot or
    source has no valid `meta.classification` (public, internal,
    confidential), or a model has no group or no description. Runs in
    on-run-start, so `dbt build` stops before building anything;
    `dbt run-operation assert_columns_classified` checks alone.
-#}
{% macro assert_columns_classified() %}
    {%- if not execute -%}
        {{ return('') }}
    {%- endif -%}
    {%- set allowed = ['public', 'internal', 'confidential'] -%}
    {%- set problems = [] -%}
    {%- set items = graph.nodes.values() | list + graph.sources.values() | list -%}
    {%- for node in items
        if node.resource_type in ('model', 'seed', 'snapshot', 'source')
        and node.package_name == project_name -%}
        {%- if node.resource_type == 'model' and not node.group -%}
            {%- do problems.append(node.name ~ ': no group') -%}
        {%- endif -%}
        {%- if not node.columns -%}
            {%- do problems.append(node.name ~ ': no documented columns') -%}
        {%- endif -%}
        {%- for column in node.columns.values() -%}
            {%- if column.meta.get('classification') not in allowed -%}
                {%- do problems.append(
                    node.name ~ '.' ~ column.name ~ ': no classification'
                ) -%}
            {%- endif -%}
            {%- if not column.description -%}
                {%- do problems.append(
                    node.name ~ '.' ~ column.name ~ ': no description'
                ) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error(
            'Governance metadata missing (' ~ problems | length ~ '):\n  '
            ~ problems | join('\n  ')
            ~ '\nEvery column needs a description and meta.classification'
            ~ ' (public, internal or confidential).'
        ) }}
    {%- endif -%}
    {%- do log('governance: every column is described and classified', info=true) -%}
    {{ return('') }}
{% endmacro %}
