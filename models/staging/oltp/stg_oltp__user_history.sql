{#-
    Every state a user has been in, one row per distinct change ordered by
    source_lsn, valid from its commit until the next change's commit. A
    delete row keeps the attributes of the image before it, so "plan on a
    date" can be read for erased users too. No personal data.
-#}
{{
    config(
        materialized='incremental',
        unique_key='user_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        dist='user_id',
        sort=['user_id', 'source_lsn'],
        indexes=postgres_indexes([{'columns': ['user_id']}, {'columns': ['last_change_loaded_at']}]),
    )
}}

with

valid_changes as {{ cte_inlined() }} (

    {#- Read in full, and twice more for its keys on an incremental run
        (touched_key_rows): inlined, not copied (cte_inlined). -#}
    select * from {{ ref('stg_oltp__user_changes') }}
    where is_valid

),

candidates as (

    {#- The changes of the users to re-decide (all of them on a full
        build). -#}
    {{ touched_key_rows('valid_changes', 'user_id', 'change_count') }}

),

distinct_changes as (

    select *
    from (
        select
            *,
            row_number() over (
                partition by user_id, source_lsn
                order by loaded_at asc, change_id asc
            ) as repeat_rank,
            count(*) over (partition by user_id) as change_count
        from candidates
    ) as repeats
    where repeat_rank = 1

),

grouped as (

    {#- A delete starts no new image: it belongs to the group of the last
        image before it, whose attributes it inherits. -#}
    select
        *,
        sum(case when op != 'd' then 1 else 0 end) over (
            partition by user_id
            order by source_lsn
            rows between unbounded preceding and current row
        ) as image_group,
        max(loaded_at) over (partition by user_id) as last_change_loaded_at
    from distinct_changes

),

filled as (

    select
        user_id,
        source_lsn,
        op,
        is_delete,
        committed_at,
        last_change_loaded_at,
        change_count,
        {#- One window spelled out per column: Redshift's SELECT has no
            named WINDOW clause. -#}
        first_value(country) over (
            partition by user_id, image_group
            order by source_lsn
            rows between unbounded preceding and unbounded following
        ) as country,
        first_value(plan) over (
            partition by user_id, image_group
            order by source_lsn
            rows between unbounded preceding and unbounded following
        ) as plan,
        first_value(marketing_opt_in) over (
            partition by user_id, image_group
            order by source_lsn
            rows between unbounded preceding and unbounded following
        ) as marketing_opt_in,
        lead(committed_at) over (
            partition by user_id order by source_lsn
        ) as next_committed_at
    from grouped

),

final as (

    select
        ---------- ids
        user_id,
        source_lsn,
        ---------- change
        op,
        is_delete as is_deleted,
        ---------- attributes
        country,
        plan,
        marketing_opt_in,
        ---------- validity
        committed_at as valid_from,
        next_committed_at as valid_to,
        next_committed_at is null as is_current,
        ---------- lineage
        last_change_loaded_at,
        change_count
    from filled

)

select * from final
