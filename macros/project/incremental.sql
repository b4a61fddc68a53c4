{#-
    Incremental helpers shared by the staging models.

    The cursor is `loaded_at` (when a batch landed), never device time, so rows
    that arrive days late are still picked up exactly once. A lookback window
    re-reads the last few minutes of batches; the models' keys make that
    re-read idempotent.
-#}

{% macro is_incremental_run() %}
    {#- `dbt compile --no-introspect` (the Redshift check) has no connection to
        ask whether the table exists; render the incremental branch, the SQL
        that production runs every day, so that it is the one checked. -#}
    {%- if not flags.INTROSPECT -%}
        {{ return(config.get('materialized') == 'incremental') }}
    {%- endif -%}
    {{ return(is_incremental()) }}
{% endmacro %}


{% macro loaded_since_last_run(column='loaded_at', this_column='loaded_at') -%}
    {{ column }} >= coalesce(
        (
            select {{ dbt.dateadd(
                'minute',
                -1 * var('ingestion_lookback_minutes'),
                'max(' ~ this_column ~ ')'
            ) }}
            from {{ this }}
        ),
        cast('1900-01-01' as timestamp)
    )
{%- endmacro %}


{#-
    The landing batches a batch-staged model (one output row per raw row) has
    not fully staged yet: a batch is every raw row sharing one `loaded_at`
    (NULL is a batch of its own), and it is staged again whenever its raw row
    count differs from the model's. Unlike a max(loaded_at) cursor this
    cannot stall: a NULL or far-future `loaded_at` is just another batch, a
    batch that commits late or is retried with the same `loaded_at` (same
    rows again) changes its count and is re-staged whole, so every copy gets
    its occurrence number and counts as a redelivery. All copies of a raw row
    share their `loaded_at`, so re-staging whole batches keeps the ids stable.

    `landed_relation` / `landed_filter` say what the model should hold per
    batch: the raw source itself, or, for a quarantine model, the quarantined
    rows of the base model that judges the same source.
-#}
{% macro unstaged_batches(landed_relation, landed_filter=none, column='loaded_at') -%}
    {%- set batch = synapse.landing_batch_key(column) -%}
    {{ batch }} in (
        select landed.batch_key
        from (
            select
                {{ batch }} as batch_key,
                count(*) as row_count
            from {{ landed_relation }}
            {% if landed_filter %}where {{ landed_filter }}{% endif %}
            group by {{ batch }}
        ) as landed
        left join (
            select
                {{ batch }} as batch_key,
                count(*) as row_count
            from {{ this }}
            group by {{ batch }}
        ) as built
            on landed.batch_key = built.batch_key
        where built.row_count is null or built.row_count != landed.row_count
    )
{%- endmacro %}


{#- The batch a raw row belongs to: its loaded_at, NULL mapped to a value no
    plausible batch has (rows that share it are re-staged together, which is
    always correct, only slower). -#}
{% macro landing_batch_key(column='loaded_at') -%}
    coalesce({{ column }}, cast('0001-01-01 00:00:00' as timestamp))
{%- endmacro %}


{#-
    touched_key_rows(input_relation, key, count_column, one_row_per_key,
    by_decided_at) -> one select: the input rows of every key a "re-decide
    what changed" model must re-decide, all of them, old and new, so the key
    is re-decided from its full history. On a full build it is the whole
    input. Two ways to find the touched keys:

    - By count (`count_column`): a key is touched when its number of input
      rows differs from what the model recorded for it (`count_column`, the
      input rows behind each key's output). Counting instead of comparing
      landing times means no NULL, future or re-landed time can hide a key.
      A run with nothing new skips the per-key comparison: when the input's
      row count equals the total the table has recorded, no key is touched.
      That holds because these inputs only grow between runs: staging rows
      are content-addressed (hash + occurrence), so a restaged batch
      rewrites identical rows and adds the new ones, and the personal-data
      scrub re-keys rows one for one. (A change of validation rules that
      turns valid rows invalid needs a --full-refresh in any case: a key
      whose rows all became invalid is not in the input, so no count can
      re-decide it.) `one_row_per_key`: the table holds one row per key
      (then the recorded total is a plain sum, not a sum of per-key maxima).
      Cost: two aggregations by key over all of history when anything is new.
    - By build time (`by_decided_at=true`): the input's rows carry
      `decided_at`, the start of the build that wrote them, and so does the
      table. A key is touched when one of its input rows was written after
      the table's latest `decided_at`, i.e. since this model last wrote:
      every input row a previous run of this model has not seen. A build
      time is the build clock, never landed data, so no hostile row can
      move it; like changed_dates, this relies on build start times only
      moving forward. Cost: one filtered scan of the input. The models
      that use it also test the count law (sum of their per-key counts =
      input rows), so a key this could miss would fail the build, not pass
      silently.

    Used as
    candidates as ( touched_key_rows('valid_changes', 'user_id', 'change_count') ).
-#}
{% macro touched_key_rows(
    input_relation, key, count_column=none, one_row_per_key=false, by_decided_at=false
) -%}
    {%- if not by_decided_at and not count_column -%}
        {{ exceptions.raise_compiler_error(
            "touched_key_rows needs count_column, or by_decided_at=true") }}
    {%- endif -%}
    select {{ input_relation }}.*
    from {{ input_relation }}
    {%- if is_incremental_run() and by_decided_at %}
    inner join (
        select distinct {{ key }}
        from {{ input_relation }}
        where decided_at > (
            select coalesce(max(decided_at), cast('1900-01-01' as timestamp))
            from {{ this }}
        )
    ) as touched_keys
        on {{ input_relation }}.{{ key }} = touched_keys.{{ key }}
    {%- elif is_incremental_run() %}
    {%- set built_total -%}
        {%- if one_row_per_key -%}
            select coalesce(sum({{ count_column }}), 0) from {{ this }}
        {%- else -%}
            select coalesce(sum(built_rows), 0)
            from (
                select max({{ count_column }}) as built_rows
                from {{ this }}
                group by {{ key }}
            ) as built_keys
        {%- endif -%}
    {%- endset %}
    inner join (
        select input_counts.{{ key }}
        from (
            select
                {{ key }},
                count(*) as input_rows
            from {{ input_relation }}
            {#- Nothing new: the input holds as many rows as the table has
                recorded, so no key's count can differ (see above). #}
            where
                (select count(*) from {{ input_relation }})
                != ({{ built_total }})
            group by {{ key }}
        ) as input_counts
        left join (
            select
                {{ key }},
                max({{ count_column }}) as built_rows
            from {{ this }}
            group by {{ key }}
        ) as built
            on input_counts.{{ key }} = built.{{ key }}
        where
            built.built_rows is null
            or built.built_rows != input_counts.input_rows
    ) as touched_keys
        on {{ input_relation }}.{{ key }} = touched_keys.{{ key }}
    {%- endif %}
{%- endmacro %}


{#- The start of this dbt invocation as a timestamp literal: the `decided_at`
    that a re-deciding model writes on every row it (re)writes. -#}
{% macro build_started_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}


{#-
    changed_dates(grain, date_column, row_count, dates=none) -> one select,
    column `<date_column>`: the dates a per-date incremental mart must
    re-decide because its input grain changed there since the mart wrote
    the date's row.

    `grain` is a CTE or relation over a re-deciding model (stg_app__events,
    stg_oltp__messages, the user-day and session intermediates): every row
    it writes carries `decided_at` = build_started_at(). A date's rows
    changed exactly when the date now has a different number of rows (rows
    left) or a different latest `decided_at` (a row was written since; build
    start times only move forward). The mart records both in its rows: the
    count in its column `row_count` (summed over the date's rows when it
    has several, one per feature say), the latest decided_at in
    `inputs_decided_at`. A date the mart holds that the grain no longer has
    is changed too.

    `dates` (optional) names a CTE whose `<date_column>` lists every date
    the mart has a row for, with or without grain rows (a data window): a
    date of it without a row in the mart is changed, and so is a mart row
    whose date left it. On a full build every date is changed.
-#}
{% macro changed_dates(grain, date_column, row_count, dates=none) -%}
    {%- set never = "cast('1900-01-01' as timestamp)" -%}
    select coalesce(current_days.{{ date_column }}, built_days.{{ date_column }})
        as {{ date_column }}
    from (
        select
            {{ dates if dates else 'grain_days' }}.{{ date_column }},
            coalesce(grain_days.grain_rows, 0) as grain_rows,
            grain_days.decided_at
        from (
            select
                {{ date_column }},
                count(*) as grain_rows,
                max(decided_at) as decided_at
            from {{ grain }}
            group by {{ date_column }}
        ) as grain_days
        {%- if dates %}
        right join {{ dates }}
            on grain_days.{{ date_column }} = {{ dates }}.{{ date_column }}
        {%- endif %}
    ) as current_days
    full outer join (
        select
            {{ date_column }},
            sum({{ row_count }}) as grain_rows,
            max(inputs_decided_at) as decided_at
        {% if is_incremental_run() -%}
            from {{ this }}
        {%- else -%}
            {#- Nothing built yet: every date is new. -#}
            from (
                select
                    {{ date_column }},
                    0 as {{ row_count }},
                    decided_at as inputs_decided_at
                from {{ grain }}
            ) as nothing_built
            where 1 = 0
        {%- endif %}
        group by {{ date_column }}
    ) as built_days
        on current_days.{{ date_column }} = built_days.{{ date_column }}
    where
        current_days.{{ date_column }} is null
        or built_days.{{ date_column }} is null
        or current_days.grain_rows != built_days.grain_rows
        or coalesce(current_days.decided_at, {{ never }})
        != coalesce(built_days.decided_at, {{ never }})
{%- endmacro %}


{#-
    trailing_window_dates(changed, window_days, window_dates, date_column)
    -> one select, column `<date_column>`: the dates of `window_dates` whose
    trailing window of `window_days` days (the date itself and the days
    before it) holds a date of `changed`: each changed date and the
    `window_days - 1` dates after it. A per-date mart of trailing windows
    (7-day means, WAU/MAU) re-decides exactly these. An equality join on
    generated offsets (day_offsets), not a join on a date range.
-#}
{% macro trailing_window_dates(changed, window_days, window_dates, date_column='activity_date') -%}
    select distinct {{ window_dates }}.{{ date_column }}
    from {{ changed }}
    cross join ({{ day_offsets(window_days) }}) as trailing_offsets
    inner join {{ window_dates }}
        on
            {{ add_days(changed ~ '.' ~ date_column, 'trailing_offsets.day_offset') }}
            = {{ window_dates }}.{{ date_column }}
{%- endmacro %}


{#-
    partitions_that_differ(series, built, partition_column, key_columns,
    value_columns) -> one select, column `<partition_column>`: the
    partitions (dates) where what a model computes now (`series`) differs
    from what its table holds (`built`, nothing on a full build): a row
    new, a row gone, or a value changed (null-safe). Rows are matched on the
    partition and key columns, which are never null.

    For marts over compact inputs whose every date can move with one
    upstream change (a plan correction, a user's new country, a late
    signup's running total): the model computes them whole, which is cheap,
    and writes only the dates that differ (rewritten_partitions).
-#}
{% macro partitions_that_differ(series, built, partition_column, key_columns, value_columns) -%}
    select distinct
        coalesce(series.{{ partition_column }}, built.{{ partition_column }})
            as {{ partition_column }}
    from {{ series }} as series
    full outer join {{ built }} as built
        on
            series.{{ partition_column }} = built.{{ partition_column }}
            {%- for key in key_columns %}
            and series.{{ key }} = built.{{ key }}
            {%- endfor %}
    where
        series.{{ partition_column }} is null
        or built.{{ partition_column }} is null
        {%- for value in value_columns %}
        or series.{{ value }} != built.{{ value }}
        or (series.{{ value }} is null and built.{{ value }} is not null)
        or (series.{{ value }} is not null and built.{{ value }} is null)
        {%- endfor %}
{%- endmacro %}


{#-
    rewritten_partitions(series, differ, partition_column, tombstone) -> one
    select: every row of `series` in a partition of `differ`, and for each
    partition of `differ` that `series` no longer has, one tombstone row:
    the partition, then the SQL expressions of `tombstone` for the other
    columns in `series`' order (the partition column first). With
    delete+insert on the partition column, the table's rows of those
    partitions are replaced; the model's post-hook deletes the tombstones.
-#}
{% macro rewritten_partitions(series, differ, partition_column, tombstone) -%}
    select {{ series }}.*
    from {{ series }}
    inner join {{ differ }}
        on {{ series }}.{{ partition_column }} = {{ differ }}.{{ partition_column }}
    union all
    select
        {{ differ }}.{{ partition_column }},
        {{ tombstone | join(',\n        ') }}
    from {{ differ }}
    left join (
        select distinct {{ partition_column }}
        from {{ series }}
    ) as kept
        on {{ differ }}.{{ partition_column }} = kept.{{ partition_column }}
    where kept.{{ partition_column }} is null
{%- endmacro %}


{#- built_rows(series) -> one select: the rows the model's table holds, or
    none (with `series`' columns) on a full build. -#}
{% macro built_rows(series) -%}
    select *
    {% if is_incremental_run() -%}
        from {{ this }}
    {%- else -%}
        from {{ series }}
        where 1 = 0
    {%- endif %}
{%- endmacro %}
