{#-
    Redshift dynamic data masking (DDM) for the restricted models, as an
    option. Documented in _governance__macros.yml.

    From the column metadata in the graph, every personal-data column of a
    model in the `restricted` schema (meta.pii set, or meta.classification
    `confidential`) gets a masking policy attached to PUBLIC, and a
    pass-through policy attached, at a higher priority, to the roles allowed
    to read personal data:

        email       '***@' || the domain           (partial)
        phone       '***' || its last 4 digits     (partial)
        name, free_text, row_image, any other kind, or confidential without
        a kind      '***'                          (full)

    Null stays null. The SQL is Redshift's (no other engine has DDM); it is
    rendered without a connection and only run by `dbt run-operation
    redshift_masking_policies --args '{apply: true}'` on a Redshift target
    when the var `redshift_masking_policies` is true.
-#}


{#- Kind of mask per meta.pii; anything else is masked in full. -#}
{% macro _masking_kind(column) %}
    {%- set meta = column.get('meta') or {} -%}
    {%- set config_meta = (column.get('config') or {}).get('meta') or {} -%}
    {%- set pii = meta.get('pii', config_meta.get('pii')) -%}
    {%- set classification = meta.get(
        'classification', config_meta.get('classification')) -%}
    {%- if pii in ('email', 'phone') -%}
        {{ return(pii) }}
    {%- elif pii or classification == 'confidential' -%}
        {{ return('full') }}
    {%- endif -%}
    {{ return(none) }}
{% endmacro %}


{#- A policy name part for a data type: varchar(65535) -> varchar_65535. -#}
{% macro _masking_type_slug(data_type) -%}
    {{ return(modules.re.sub('[^a-z0-9]+', '_', data_type | lower) | trim('_')) }}
{%- endmacro %}


{#- The masking expression of a kind over the input column `input_text`, cast to
    the column's type (Redshift requires the input type back). -#}
{% macro _masking_expression(kind, data_type) -%}
    {%- if kind == 'email' -%}
        cast(case
            when input_text is null then null
            when position('@' in input_text) = 0 then '***'
            else '***@' || split_part(input_text, '@', 2)
        end as {{ data_type }})
    {%- elif kind == 'phone' -%}
        cast(case
            when input_text is null then null
            else '***' || right(regexp_replace(input_text, '[^0-9]', ''), 4)
        end as {{ data_type }})
    {%- elif kind == 'full' -%}
        cast(case when input_text is null then null else '***' end as {{ data_type }})
    {%- elif kind == 'unmasked' -%}
        input_text
    {%- else -%}
        {{ exceptions.raise_compiler_error("unknown masking kind " ~ kind) }}
    {%- endif -%}
{%- endmacro %}


{#- Roles that read clear values: those of the column_access_roles var that
    may read confidential columns in the restricted schema. -#}
{% macro _masking_unmasked_roles() %}
    {%- set roles = [] -%}
    {%- for role, access in (var('column_access_roles', {}) or {}).items() -%}
        {%- if 'confidential' in access.get('classifications', [])
            and 'restricted' in access.get('schemas', []) -%}
            {%- do roles.append(role) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(roles | sort) }}
{% endmacro %}


{#- ------------------------------------------------------------------------
    redshift_masking_policies_plan(): the policies and attachments, as data,
    read from the graph. No connection needed.
------------------------------------------------------------------------- -#}
{% macro redshift_masking_policies_plan(
    unmasked_roles=none, default_type='varchar(65535)',
    masked_priority=10, unmasked_priority=20
) %}
    {%- set roles = _masking_unmasked_roles() if unmasked_roles is none
        else unmasked_roles -%}
    {%- for role in roles -%}
        {%- if not modules.re.match('^[a-z_][a-z0-9_]*$', role) -%}
            {{ exceptions.raise_compiler_error(
                "unmasked role " ~ role ~ " is not a lowercase identifier") }}
        {%- endif -%}
    {%- endfor -%}
    {%- if not (masked_priority is number and unmasked_priority is number
        and 0 <= masked_priority < unmasked_priority) -%}
        {{ exceptions.raise_compiler_error(
            "priorities must be numbers with 0 <= masked < unmasked") }}
    {%- endif -%}
    {%- set policies = {} -%}
    {%- set attachments = [] -%}
    {%- set nodes = graph.nodes.values()
        | selectattr('resource_type', 'equalto', 'model')
        | selectattr('schema', 'equalto', 'restricted')
        | sort(attribute='name') -%}
    {%- for node in nodes -%}
        {%- for column in node.columns.values() | sort(attribute='name') -%}
            {%- set kind = _masking_kind(column) -%}
            {%- if kind is not none -%}
                {%- set data_type = (column.data_type or default_type) | lower -%}
                {%- set slug = _masking_type_slug(data_type) -%}
                {%- set masked = 'synapse_mask_' ~ kind ~ '_' ~ slug -%}
                {%- set unmasked = 'synapse_unmasked_' ~ slug -%}
                {%- do policies.update({
                    masked: {'kind': kind, 'data_type': data_type},
                }) -%}
                {%- set relation = node.schema ~ '.' ~ node.alias -%}
                {%- do attachments.append({
                    'policy': masked, 'relation': relation, 'column': column.name,
                    'grantee': 'public', 'priority': masked_priority,
                    'model': node.name, 'kind': kind,
                }) -%}
                {%- for role in roles -%}
                    {%- do policies.update({
                        unmasked: {'kind': 'unmasked', 'data_type': data_type},
                    }) -%}
                    {%- do attachments.append({
                        'policy': unmasked, 'relation': relation,
                        'column': column.name, 'grantee': 'role ' ~ role,
                        'priority': unmasked_priority, 'model': node.name,
                        'kind': 'unmasked',
                    }) -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return({'policies': policies, 'attachments': attachments, 'roles': roles}) }}
{% endmacro %}


{#- ------------------------------------------------------------------------
    redshift_masking_policies_sql(): the statements, one per line group,
    each ending with `;`. Render it with no connection:
    dbt compile --target prod --no-introspect --no-populate-cache
        --inline "{{ redshift_masking_policies_sql() }}"
------------------------------------------------------------------------- -#}
{% macro redshift_masking_policies_sql(
    unmasked_roles=none, default_type='varchar(65535)',
    masked_priority=10, unmasked_priority=20
) %}
    {%- set plan = redshift_masking_policies_plan(
        unmasked_roles, default_type, masked_priority, unmasked_priority) -%}
    {%- set statements = [] -%}
    {%- for name in plan.policies | sort -%}
        {%- set policy = plan.policies[name] -%}
        {%- do statements.append(
            'create masking policy ' ~ name ~ ' if not exists\n'
            ~ 'with (input_text ' ~ policy.data_type ~ ')\n'
            ~ 'using (' ~ _masking_expression(policy.kind, policy.data_type) ~ ');'
        ) -%}
    {%- endfor -%}
    {%- for attachment in plan.attachments -%}
        {%- do statements.append(
            'attach masking policy ' ~ attachment.policy
            ~ ' on ' ~ attachment.relation ~ '(' ~ attachment.column ~ ')'
            ~ ' to ' ~ attachment.grantee
            ~ ' priority ' ~ attachment.priority ~ ';'
        ) -%}
    {%- endfor -%}
    {{ return(statements | join('\n\n')) }}
{% endmacro %}


{#- ------------------------------------------------------------------------
    redshift_masking_policies(apply, unmasked_roles): the run-operation.
    Prints the SQL (a dry run: no query). With apply=true, on a Redshift
    target, and the var redshift_masking_policies true, runs it: policies are
    created if missing and attachments already in svv_attached_masking_policy
    are skipped, so it can run after every build (each statement commits on
    its own; a failed run is completed by the next one).
------------------------------------------------------------------------- -#}
{% macro redshift_masking_policies(apply=false, unmasked_roles=none) %}
    {%- set enabled = var('redshift_masking_policies', false) -%}
    {%- set sql = redshift_masking_policies_sql(unmasked_roles) -%}
    {%- set plan = redshift_masking_policies_plan(unmasked_roles) -%}
    {{ log('-- Redshift dynamic data masking for the restricted models: '
        ~ plan.policies | length ~ ' policies, ' ~ plan.attachments | length
        ~ ' attachments (var redshift_masking_policies: ' ~ enabled ~ ', '
        ~ ('apply' if apply else 'dry run') ~ ')', info=True) }}
    {{ log(sql, info=True) }}
    {%- if not apply -%}
        {{ return(sql) }}
    {%- endif -%}
    {%- if not enabled or target.type != 'redshift' -%}
        {{ exceptions.raise_compiler_error(
            "redshift_masking_policies: apply needs a Redshift target and the var "
            ~ "redshift_masking_policies: true (target " ~ target.type ~ ", var "
            ~ enabled ~ ")") }}
    {%- endif -%}
    {%- set existing = [] -%}
    {%- for row in run_query(
        "select policy_name, schema_name, table_name, grantee, output_columns"
        ~ " from svv_attached_masking_policy"
    ).rows -%}
        {%- do existing.append((row[0] ~ '|' ~ row[1] ~ '.' ~ row[2] ~ '|'
            ~ row[3] | lower, row[4] | string)) -%}
    {%- endfor -%}
    {%- for name in plan.policies | sort -%}
        {%- set policy = plan.policies[name] -%}
        {%- do run_query(
            'create masking policy ' ~ name ~ ' if not exists with (input_text '
            ~ policy.data_type ~ ') using ('
            ~ _masking_expression(policy.kind, policy.data_type) ~ ')'
        ) -%}
    {%- endfor -%}
    {%- set ns = namespace(attached=0, skipped=0) -%}
    {%- for attachment in plan.attachments -%}
        {%- set grantee = attachment.grantee | replace('role ', '') -%}
        {%- set id = attachment.policy ~ '|' ~ attachment.relation ~ '|' ~ grantee -%}
        {%- set found = namespace(value=false) -%}
        {%- for existing_id, columns in existing -%}
            {%- if existing_id == id and ('"' ~ attachment.column ~ '"') in columns -%}
                {%- set found.value = true -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if found.value -%}
            {%- set ns.skipped = ns.skipped + 1 -%}
        {%- else -%}
            {%- do run_query(
                'attach masking policy ' ~ attachment.policy ~ ' on '
                ~ attachment.relation ~ '(' ~ attachment.column ~ ') to '
                ~ attachment.grantee ~ ' priority ' ~ attachment.priority
            ) -%}
            {%- set ns.attached = ns.attached + 1 -%}
        {%- endif -%}
    {%- endfor -%}
    {{ log('attached ' ~ ns.attached ~ ', already attached ' ~ ns.skipped, info=True) }}
    {{ return(sql) }}
{% endmacro %}
