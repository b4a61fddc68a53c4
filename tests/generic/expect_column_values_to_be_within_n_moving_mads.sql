{#-
    Anomaly detection on a daily series, robust where moving averages and
    standard deviations are not (dbt-expectations'
    expect_column_values_to_be_within_n_moving_stdevs is the counterpart;
    argument names follow it):

    - each day is scored against a trailing training window of
      lookback_periods days before it: the day itself is never in its own
      training data;
    - with seasonality='day_of_week' only the same weekday trains (Mondays
      against Mondays);
    - the centre is the median and the spread the MAD (median absolute
      deviation, scaled by 1.4826 to match a standard deviation), so a few
      wild days do not move them;
    - days already flagged are left out of later days' training, so a past
      incident does not hide the next one: the scoring runs exclusion_passes
      more times, each without the days flagged by the pass before;
    - the spread is at least min_relative_deviation x |median| and at
      least min_absolute_deviation, so a constant series (MAD 0) raises no
      alarm unless it really moves, and a sparse count (mostly 0) does not
      alarm on every 1;
    - a day needs min_training_periods training days to be judged.

    A day is anomalous when |value - median| > sigma_threshold x spread
    (direction 'up' or 'down' looks at one side only). Only the latest
    test_periods days of each series are tested, counted back from the
    series' own last date after skipping skip_latest_periods (e.g. 1 for a
    day still in progress): never from the wall clock, so history can be
    rebuilt and tested. The model holds one row per date (and group_by
    group); row_condition filters it. Fails with one row per anomalous day.
-#}
{% test expect_column_values_to_be_within_n_moving_mads(
    model,
    column_name,
    date_column_name,
    group_by=none,
    lookback_periods=56,
    test_periods=1,
    skip_latest_periods=0,
    sigma_threshold=4,
    seasonality='day_of_week',
    min_training_periods=4,
    min_relative_deviation=0.05,
    min_absolute_deviation=0,
    direction='both',
    exclusion_passes=3,
    row_condition=none,
    check_kind=none
) %}
{{ config(severity=synapse.check_severity(check_kind or 'anomaly')) }}
{%- if seasonality not in ('day_of_week', none) -%}
    {{ exceptions.raise_compiler_error(
        "expect_column_values_to_be_within_n_moving_mads: seasonality is "
        ~ "'day_of_week' or none, got " ~ seasonality) }}
{%- endif -%}
{%- if direction not in ('both', 'up', 'down') -%}
    {{ exceptions.raise_compiler_error(
        "expect_column_values_to_be_within_n_moving_mads: direction is "
        ~ "'both', 'up' or 'down', got " ~ direction) }}
{%- endif -%}
{%- set groups = group_by or [] -%}
{%- set group_cols = [] -%}
{%- for column in groups -%}{%- do group_cols.append('group_' ~ loop.index) -%}{%- endfor -%}
with

series as (

    select
        {% for column in groups -%}
            {{ column }} as group_{{ loop.index }},
        {% endfor -%}
        cast({{ date_column_name }} as date) as metric_date,
        cast({{ column_name }} as double precision) as metric_value
    from {{ model }}
    where
        {{ date_column_name }} is not null
        and {{ column_name }} is not null
        {%- if row_condition %}
            and ({{ row_condition }})
        {%- endif %}

),

pairs as (

    select
        {% for column in group_cols %}tested.{{ column }}, {% endfor %}
        tested.metric_date,
        tested.metric_value,
        training.metric_date as training_date,
        training.metric_value as training_value
    from series as tested
    inner join series as training
        on
            {{ synapse.same_group_columns('tested', 'training', group_cols) }}
            and training.metric_date < tested.metric_date
            and training.metric_date >= {{ synapse.add_days(
                'tested.metric_date', -1 * lookback_periods
            ) }}
            {%- if seasonality == 'day_of_week' %}
                and {{ dbt.datediff(
                    'training.metric_date', 'tested.metric_date', 'day'
                ) }} % 7 = 0
            {%- endif %}

),

{%- for pass in range(exclusion_passes + 1) %}
{%- set previous = 'flagged_' ~ (pass - 1) %}

pairs_{{ pass }} as (

    select pairs.*
    from pairs
    {%- if pass > 0 %}
        left join {{ previous }}
            on
                {{ synapse.same_group_columns('pairs', previous, group_cols) }}
                and pairs.training_date = {{ previous }}.metric_date
        where {{ previous }}.metric_date is null
    {%- endif %}

),

scored_{{ pass }} as (

    {{ synapse.mad_scored_rows(
        'pairs_' ~ pass, group_cols, min_training_periods,
        min_relative_deviation, min_absolute_deviation
    ) }}

),

flagged_{{ pass }} as (

    select *
    from scored_{{ pass }}
    where
        {%- if direction == 'up' %}
            deviation > {{ sigma_threshold }} * spread
        {%- elif direction == 'down' %}
            -1 * deviation > {{ sigma_threshold }} * spread
        {%- else %}
            abs(deviation) > {{ sigma_threshold }} * spread
        {%- endif %}

),
{%- endfor %}

latest as (

    select
        {% for column in group_cols %}{{ column }}, {% endfor %}
        max(metric_date) as last_date
    from series
    {% if group_cols %}group by {{ group_cols | join(', ') }}{% endif %}

)

select
    {% for column in group_cols %}flagged.{{ column }}, {% endfor %}
    flagged.metric_date,
    flagged.metric_value,
    flagged.training_median,
    flagged.spread,
    flagged.training_periods
from flagged_{{ exclusion_passes }} as flagged
inner join latest
    on {{ synapse.same_group_columns('flagged', 'latest', group_cols) }}
where
    flagged.metric_date <= {{ synapse.add_days(
        'latest.last_date', -1 * skip_latest_periods
    ) }}
    and flagged.metric_date > {{ synapse.add_days(
        'latest.last_date', -1 * (skip_latest_periods + test_periods)
    ) }}
{% endtest %}
