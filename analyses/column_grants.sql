{#-
    Every column-level grant the post-hook applies, for every model, as one
    script: review it, or run it by hand after restoring a schema. Compiled
    for Redshift (target prod) by the Redshift check, which parses it.
-#}
{%- if execute -%}
    {%- for node in graph.nodes.values()
        if node.resource_type in ('model', 'seed', 'snapshot')
        and node.package_name == project_name
        and node.config.materialized != 'ephemeral' -%}
        {%- set relation = api.Relation.create(
            database=node.database, schema=node.schema, identifier=node.alias
        ) -%}
        {%- for statement in column_grant_statements(
            relation, node.schema, node.columns
        ) %}
{{ statement }};
        {%- endfor %}
    {%- endfor %}
{%- endif %}
