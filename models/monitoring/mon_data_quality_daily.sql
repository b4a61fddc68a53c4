{#-
    The daily summary of data quality, per source table and per model, from
    the recorded results (latest result of each check per day):

    - completeness: completeness checks (not_null,
      expect_column_values_to_be_complete) passed / run;
    - accuracy: every other data test, unit test excluded, passed / run;
    - timeliness: for sources, the worst `dbt source freshness` status of
      the day and the largest age seen.

    A subject with no result that day has no row. Dates are UTC dates of
    completed_at (snapshotted_at for freshness): results are recorded at
    their real time, so the var monitoring_as_of does not cut them.
-#}
{%- set completeness_tests = ['not_null', 'expect_column_values_to_be_complete'] -%}
with

node_results as (

    select * from {{ source('monitoring', 'dbt_node_results') }}

),

freshness_results as (

    select * from {{ source('monitoring', 'dbt_source_freshness_results') }}

),

test_results as (

    select
        node_results.unique_id,
        node_results.tested_node_id as subject_id,
        node_results.status,
        node_results.completed_at,
        cast(node_results.completed_at as date) as summary_date,
        node_results.test_name in (
            {%- for name in completeness_tests %}
                '{{ name }}'{{ ',' if not loop.last }}
            {%- endfor %}
        ) as is_completeness_check
    from node_results
    where
        node_results.resource_type = 'test'
        and node_results.tested_node_id is not null
        and node_results.status in ('pass', 'warn', 'fail', 'error')

),

latest_of_day as (

    select
        *,
        row_number() over (
            partition by unique_id, summary_date order by completed_at desc
        ) as recency
    from test_results

),

checks as (

    select
        summary_date,
        subject_id,
        sum(case when is_completeness_check then 1 else 0 end)
            as completeness_checks,
        sum(case when is_completeness_check and status = 'pass' then 1 else 0 end)
            as completeness_passed,
        sum(case when not is_completeness_check then 1 else 0 end)
            as accuracy_checks,
        sum(case when not is_completeness_check and status = 'pass' then 1 else 0 end)
            as accuracy_passed,
        sum(case when status in ('fail', 'error') then 1 else 0 end)
            as checks_failed,
        sum(case when status = 'warn' then 1 else 0 end) as checks_warned
    from latest_of_day
    where recency = 1
    group by summary_date, subject_id

),

freshness as (

    select
        cast(freshness_results.snapshotted_at as date) as summary_date,
        freshness_results.unique_id as subject_id,
        max(
            case freshness_results.status
                when 'pass' then 0
                when 'warn' then 1
                else 2
            end
        ) as worst_freshness,
        max(freshness_results.age_seconds) as max_age_seconds
    from freshness_results
    group by
        cast(freshness_results.snapshotted_at as date),
        freshness_results.unique_id

),

subjects as (

    select
        summary_date,
        subject_id
    from checks
    union
    select
        summary_date,
        subject_id
    from freshness

),

final as (

    select
        ---------- ids
        subjects.summary_date,
        cast(subjects.subject_id as varchar(512)) as subject_id,
        cast(
            {{ dbt.split_part('subjects.subject_id', "'.'", 1) }} as varchar(16)
        ) as subject_type,
        ---------- completeness
        cast(coalesce(checks.completeness_checks, 0) as bigint)
            as completeness_checks,
        {{ safe_divide('checks.completeness_passed', 'checks.completeness_checks') }}
            as completeness_pass_rate,
        ---------- accuracy
        cast(coalesce(checks.accuracy_checks, 0) as bigint) as accuracy_checks,
        {{ safe_divide('checks.accuracy_passed', 'checks.accuracy_checks') }}
            as accuracy_pass_rate,
        cast(coalesce(checks.checks_failed, 0) as bigint) as checks_failed,
        cast(coalesce(checks.checks_warned, 0) as bigint) as checks_warned,
        ---------- timeliness
        cast(
            case freshness.worst_freshness
                when 0 then 'pass'
                when 1 then 'warn'
                when 2 then 'error'
            end as varchar(8)
        ) as freshness_status,
        freshness.max_age_seconds as freshness_max_age_seconds
    from subjects
    left join checks
        on
            subjects.summary_date = checks.summary_date
            and subjects.subject_id = checks.subject_id
    left join freshness
        on
            subjects.summary_date = freshness.summary_date
            and subjects.subject_id = freshness.subject_id

)

select * from final
