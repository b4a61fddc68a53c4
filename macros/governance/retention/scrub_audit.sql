{#-
    The scrub's audit: the table (<audit_schema>.personal_data_scrub_log) and
    the selects of its rows, one per table, key, image, field and reason with
    the number of rows. Inserted by the run-operation, or run and summed on a
    dry run. Documented in _retention__macros.yml.
-#}


{#- How the audit names a table: schema.table, as the models are named. -#}
{% macro _scrub_table_name(relation) -%}
    {{ return(relation.schema ~ '.' ~ relation.identifier) }}
{%- endmacro %}


{% macro _scrub_audit_relation(audit_schema) %}
    {%- if audit_schema is not string
        or not modules.re.match('^[a-z_][a-z0-9_]*$', audit_schema) -%}
        {{ exceptions.raise_compiler_error(
            "audit_schema must be a lowercase identifier, got " ~ audit_schema) }}
    {%- endif -%}
    {{ return(api.Relation.create(
        database=target.database,
        schema=audit_schema,
        identifier='personal_data_scrub_log',
    )) }}
{% endmacro %}


{% macro _scrub_audit_ddl(audit_relation) -%}
    create table if not exists {{ audit_relation }} (
        run_id varchar(64),
        scrubbed_at timestamp,
        as_of timestamp,
        table_name varchar(512),
        row_key varchar(256),
        image varchar(16),
        field varchar(64),
        reason varchar(64),
        rows_affected bigint
    )
{%- endmacro %}


{#- The columns an audit select reads, optionally qualified. -#}
{% macro _scrub_blanked_columns(fields, prefix) -%}
    {%- set columns = ['subject_key', 'image_side', 'scrub_reason', 'scrub_action'] -%}
    {%- for field in fields -%}
        {%- do columns.append('blanked_' ~ field) -%}
    {%- endfor -%}
    {{ return(prefix ~ columns | join(', ' ~ prefix)) }}
{%- endmacro %}


{#- One audit select over `blanked_sql` (subject_key, image_side,
    scrub_reason, scrub_action, blanked_<field>..., weight): a row per key,
    image, field and reason, with the number of rows. -#}
{% macro _scrub_audit_select(table_name, blanked_sql, fields, settings) -%}
    {%- set string_type = dbt.type_string() -%}
with

blanked as (

    {{ blanked_sql }}

),

per_field as (

    {%- for field in fields %}
    select
        subject_key,
        image_side,
        '{{ field }}' as field,
        scrub_reason,
        weight
    from blanked
    where scrub_action = 'fields' and blanked_{{ field }} = 1

    union all
    {%- endfor %}

    select
        subject_key,
        image_side,
        'whole_image' as field,
        scrub_reason,
        weight
    from blanked
    where scrub_action = 'whole_image'

)

select
    '{{ invocation_id }}' as run_id,
    {{ _scrub_timestamp(run_started_at.replace(tzinfo=none)) }} as scrubbed_at,
    {{ _scrub_timestamp(settings.as_of) }} as as_of,
    '{{ table_name }}' as table_name,
    cast(subject_key as {{ string_type }}) as row_key,
    cast(image_side as {{ string_type }}) as image,
    cast(field as {{ string_type }}) as field,
    cast(scrub_reason as {{ string_type }}) as reason,
    sum(weight) as rows_affected
from per_field
group by subject_key, image_side, field, scrub_reason
{%- endmacro %}


{#- The raw table's audit: the images to change, weighted by copies. -#}
{% macro _scrub_audit_raw_sql(spec, source_relation, images_table, settings) -%}
    {{ return(_scrub_audit_select(
        _scrub_table_name(source_relation),
        'select ' ~ _scrub_blanked_columns(spec.fields, '') ~ ', copies as weight'
        ~ ' from ' ~ images_table ~ " where scrub_action != 'keep'",
        spec.fields, settings
    )) }}
{%- endmacro %}


{#- A derived model's images audit: its rows whose images change. -#}
{% macro _scrub_audit_model_images_sql(
    spec, model, images_table, rekey_table, settings
) -%}
    {{ return(_scrub_audit_select(
        _scrub_table_name(model.relation),
        'select ' ~ _scrub_blanked_columns(spec.fields, 'images.')
        ~ ', 1 as weight from ' ~ model.relation ~ ' as derived'
        ~ ' inner join ' ~ rekey_table ~ ' as rekey'
        ~ ' on derived.change_id = rekey.old_change_id'
        ~ ' inner join ' ~ images_table ~ ' as images'
        ~ ' on rekey.old_hash = images.old_hash'
        ~ " where images.scrub_action != 'keep'",
        spec.fields, settings
    )) }}
{%- endmacro %}


{#- A derived model's re-key audit: one row with the number of ids. -#}
{% macro _scrub_audit_model_rekey_sql(model, rekey_table, settings) -%}
    {%- set string_type = dbt.type_string() -%}
select
    '{{ invocation_id }}' as run_id,
    {{ _scrub_timestamp(run_started_at.replace(tzinfo=none)) }} as scrubbed_at,
    {{ _scrub_timestamp(settings.as_of) }} as as_of,
    '{{ _scrub_table_name(model.relation) }}' as table_name,
    cast(null as {{ string_type }}) as row_key,
    cast(null as {{ string_type }}) as image,
    'change_id' as field,
    'rekey' as reason,
    count(*) as rows_affected
from {{ model.relation }} as derived
inner join {{ rekey_table }} as rekey
    on derived.change_id = rekey.old_change_id
having count(*) > 0
{%- endmacro %}
