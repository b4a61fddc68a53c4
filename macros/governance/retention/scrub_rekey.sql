{#-
    From the images to change to the raw rows and the staged ids: the `plan
    rows` and `plan re-keys` temp tables, the guard, and the updates. The
    staged change_id is a hash of the raw row's text (cdc_row_hash, shared
    with staging), so a blanked row gets the id a full refresh would give
    it. Documented in _retention__macros.yml.
-#}


{#- One row per distinct raw row that changes: its new images and hash. -#}
{% macro _scrub_rows_sql(images_table, rows_table) -%}
create temporary table {{ rows_table }} as
with

pivoted as (

    select
        old_hash,
        max(row_op) as row_op,
        max(row_source_lsn) as row_source_lsn,
        max(row_source_ts_ms) as row_source_ts_ms,
        max(row_loaded_at) as row_loaded_at,
        max(case when image_side = 'before' then new_text end) as new_before,
        max(case when image_side = 'after' then new_text end) as new_after
    from {{ images_table }}
    group by old_hash

),

final as (

    select
        old_hash,
        new_before,
        new_after,
        {{ cdc_row_hash(
            'row_op', 'new_before', 'new_after', 'row_source_lsn',
            'row_source_ts_ms', 'row_loaded_at'
        ) }} as new_hash
    from pivoted

)

select * from final
{%- endmacro %}


{#- old -> new change_id of every raw row whose id changes (numbered as
    cdc_judged_rows numbers identical rows), with its new images. -#}
{% macro _scrub_rekey_sql(source_relation, rows_table, rekey_table) -%}
{%- set string_type = dbt.type_string() -%}
create temporary table {{ rekey_table }} as
with

touched_hashes as (

    select old_hash as touched_hash from {{ rows_table }}
    union
    select new_hash as touched_hash from {{ rows_table }}

),

raw_rows as (

    select
        before,
        after,
        loaded_at,
        {{ cdc_row_hash() }} as old_hash
    from {{ source_relation }}

),

numbered as (

    {#- Occurrences of identical rows, as cdc_judged_rows numbers them. -#}
    select
        raw_rows.*,
        row_number() over (
            partition by raw_rows.old_hash order by raw_rows.old_hash
        ) as old_occurrence
    from raw_rows
    inner join touched_hashes
        on raw_rows.old_hash = touched_hashes.touched_hash

),

targets as (

    select
        numbered.old_hash,
        numbered.old_occurrence,
        numbered.loaded_at,
        numbered.old_hash || '-' || cast(numbered.old_occurrence as {{ string_type }})
            as old_change_id,
        coalesce(scrubbed.new_hash, numbered.old_hash) as new_hash,
        case when scrubbed.old_hash is null then 0 else 1 end as is_scrubbed,
        case
            when scrubbed.old_hash is null then numbered.before else scrubbed.new_before
        end as new_before,
        case
            when scrubbed.old_hash is null then numbered.after else scrubbed.new_after
        end as new_after
    from numbered
    left join {{ rows_table }} as scrubbed
        on numbered.old_hash = scrubbed.old_hash

),

renumbered as (

    {#- Rows that become identical share a hash: number them again, rows
        that were already there first, so they keep their ids. -#}
    select
        *,
        new_hash || '-' || cast(row_number() over (
            partition by new_hash
            order by is_scrubbed, old_occurrence, old_change_id
        ) as {{ string_type }}) as new_change_id
    from targets

),

final as (

    select
        old_hash,
        old_change_id,
        new_change_id,
        new_before,
        new_after,
        loaded_at
    from renumbered
    where old_change_id != new_change_id

)

select * from final
{%- endmacro %}


{#- Guard: every id to re-key of a row the models have read (landed no
    later than the latest row they hold) must be in one of them. -#}
{% macro _scrub_guard_sql(rekey_table, relations) -%}
select count(*) as missing
from {{ rekey_table }} as rekey
where
    rekey.loaded_at <= (
        select max(models_read.read_until) from (
            {%- for relation in relations %}
            select max(loaded_at) as read_until from {{ relation }}
            {%- if not loop.last %}
            union all
            {%- endif %}
            {%- endfor %}
        ) as models_read
    )
    and not exists (
        {%- for relation in relations %}
        select 1 from {{ relation }} as derived
        where derived.change_id = rekey.old_change_id
        {%- if not loop.last %}
        union all
        {%- endif %}
        {%- endfor %}
    )
{%- endmacro %}


{#- The raw table: each changed row gets its blanked images. -#}
{% macro _scrub_update_raw_sql(source_relation, rows_table) -%}
update {{ source_relation }} as landed
set
    before = scrubbed.new_before,
    after = scrubbed.new_after
from {{ rows_table }} as scrubbed
where {{ cdc_row_hash(
    'landed.op', 'landed.before', 'landed.after', 'landed.source_lsn',
    'landed.source_ts_ms', 'landed.loaded_at'
) }} = scrubbed.old_hash
{%- endmacro %}


{#- A derived model: its change_id re-keyed, and its images replaced when it
    holds them. -#}
{% macro _scrub_update_model_sql(model, rekey_table) -%}
update {{ model.relation }} as derived
set
    change_id = rekey.new_change_id
    {%- if model.has_images %},
    before = rekey.new_before,
    after = rekey.new_after
    {%- endif %}
from {{ rekey_table }} as rekey
where derived.change_id = rekey.old_change_id
{%- endmacro %}
