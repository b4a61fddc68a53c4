{% macro create_udfs() %}
    {{ return(adapter.dispatch('create_udfs', 'synapse')()) }}
{% endmacro %}

{% macro default__create_udfs() %}
    select 1 as no_udfs_needed
{% endmacro %}

{#- Redshift reads JSON with is_valid_json and json_parse (see
    json_parse_object): no function to create. Spelled out because
    dbt-redshift falls back to postgres__ before default__, and the Postgres
    variant is a PL/pgSQL DO block Redshift cannot run. -#}
{% macro redshift__create_udfs() %}
    {{ return(default__create_udfs()) }}
{% endmacro %}

{#- Schema holding the project's SQL functions on engines that need them
    (today: Postgres). One fixed schema shared by every target schema of the
    database, like the layer schemas (see generate_schema_name). -#}
{% macro synapse_udf_schema() -%}
    {{ return(synapse.sql_identifier(
        var('synapse_udf_schema', 'synapse_udf'), 'var synapse_udf_schema')) }}
{%- endmacro %}

{#- Postgres 15 has no safe cast to jsonb (pg_input_is_valid arrived in 16).
    One DO block, so it is atomic on its own:
    - a transaction-scoped advisory lock serialises concurrent runs (two
      `create or replace function` at once fail with "tuple concurrently
      updated");
    - the schema and the function are only created when missing or when the
      function's comment (its version) differs, so a run by a role that does
      not own them changes nothing and needs no privilege but execute; bump
      the version whenever the function body changes;
    - parallel unsafe, not parallel safe: an exception block opens a
      subtransaction, which Postgres 15 refuses inside a parallel query
      ("cannot start subtransactions during a parallel operation"), in
      workers and in the leader alike. -#}
{% macro postgres__create_udfs() -%}
    {%- set udf_schema = synapse_udf_schema() -%}
    {%- set udf_version = 'synapse try_parse_json_object v2' -%}
do $synapse_create_udfs$
begin
    perform pg_advisory_xact_lock(hashtext('synapse.create_udfs'));

    if not exists (select 1 from pg_namespace where nspname = '{{ udf_schema }}') then
        create schema {{ udf_schema }};
        grant usage on schema {{ udf_schema }} to public;
    end if;

    if coalesce(
        obj_description(
            to_regprocedure('{{ udf_schema }}.try_parse_json_object(text)'), 'pg_proc'
        ),
        ''
    ) != '{{ udf_version }}' then
        create or replace function {{ udf_schema }}.try_parse_json_object(payload text)
        returns jsonb
        language plpgsql
        immutable
        strict
        parallel unsafe
        as $try_parse_json_object$
        declare
            parsed jsonb;
            verbatim json;
        begin
            parsed := payload::jsonb;
            if jsonb_typeof(parsed) != 'object' then
                return null;
            end if;
            -- jsonb keeps the last of repeated keys, DuckDB the first: a
            -- repeated key in the object or one level down is no object.
            verbatim := payload::json;
            if (select count(*) from json_object_keys(verbatim))
                != (select count(*) from jsonb_object_keys(parsed)) then
                return null;
            end if;
            if exists (
                select 1
                from json_each(verbatim) as member
                where
                    json_typeof(member.value) = 'object'
                    and (select count(*) from json_object_keys(member.value))
                    != (select count(distinct key) from json_object_keys(member.value) as key)
            ) then
                return null;
            end if;
            return parsed;
        exception
            when others then
                return null;
        end;
        $try_parse_json_object$;

        comment on function {{ udf_schema }}.try_parse_json_object(text)
            is '{{ udf_version }}';
    end if;
end
$synapse_create_udfs$;
{%- endmacro %}
