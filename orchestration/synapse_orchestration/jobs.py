"""Jobs and schedules: the workflows of selectors.yml, in the design's order.

- `daily_aggregate` (01:00 UTC, for yesterday's partition) builds its marts
  after `data_validation` and `user_metrics` in the same run: Dagster orders
  the assets by the dbt graph, and a failed upstream asset stops everything
  downstream of it.
- `weekly_reports` (Mondays 02:00 UTC, for Sunday's partition) builds
  `business_metrics` and the weekly report; it runs only once that day's
  `daily_aggregate` run has succeeded.
- `realtime` (every minute) refreshes the incremental staging the real-time
  views read, then the views themselves."""

import datetime as dt
import os
from pathlib import Path

from dagster import (
    AssetSelection,
    DagsterRunStatus,
    DefaultScheduleStatus,
    In,
    Nothing,
    OpExecutionContext,
    RunRequest,
    RunsFilter,
    ScheduleEvaluationContext,
    SkipReason,
    define_asset_job,
    job,
    op,
    schedule,
)
from dagster_dbt import DbtCliResource, build_dbt_asset_selection

from .assets import (
    WAREHOUSE_RETRY,
    raise_for_dbt_failure,
    raw_landing,
    synapse_dbt_assets,
    weekly_report_file,
)
from .project import synapse_project


def selector(name: str) -> AssetSelection:
    """The dbt assets of one selector of selectors.yml."""
    return build_dbt_asset_selection([synapse_dbt_assets], dbt_selector=name)


RAW = AssetSelection.assets(raw_landing)

data_validation_job = define_asset_job(
    "data_validation", selection=RAW | selector("data_validation")
)
user_metrics_job = define_asset_job("user_metrics", selection=selector("user_metrics"))
daily_aggregate_job = define_asset_job(
    "daily_aggregate",
    selection=RAW
    | selector("data_validation")
    | selector("user_metrics")
    | selector("daily_aggregate"),
    description="data_validation, then user_metrics, then the daily marts.",
)
business_metrics_job = define_asset_job(
    "business_metrics", selection=selector("business_metrics")
)
weekly_reports_job = define_asset_job(
    "weekly_reports",
    selection=selector("business_metrics")
    | selector("weekly_reports")
    | AssetSelection.assets(weekly_report_file),
    description="business_metrics, then the weekly marts and the report file.",
)


# The every-minute job keeps one target path, so dbt re-uses its partial
# parse instead of parsing the whole project each minute.
REALTIME_TARGET_PATH = Path("target") / "dagster" / "realtime"


@op(retry_policy=WAREHOUSE_RETRY)
def build_realtime_staging(context: OpExecutionContext, dbt: DbtCliResource) -> None:
    """The incremental staging models the real-time views read, and the tests
    whose parents are all among them (cautious: a reconciliation against
    models this job does not refresh would fail for no reason)."""
    invocation = dbt.cli(
        [
            "build",
            "--selector",
            "realtime_staging",
            "--indirect-selection",
            "cautious",
        ],
        manifest=synapse_project.manifest_path,
        raise_on_error=False,
        target_path=REALTIME_TARGET_PATH,
    )
    for event in invocation.stream_raw_events():
        context.log.debug(str(event.raw_event.get("info", {}).get("msg", "")))
    raise_for_dbt_failure(invocation)


@op(retry_policy=WAREHOUSE_RETRY, ins={"staged": In(Nothing)})
def refresh_realtime_views(context: OpExecutionContext, dbt: DbtCliResource) -> None:
    """`dbt run-operation refresh_realtime_views`: REFRESH MATERIALIZED VIEW on
    Postgres and Redshift, nothing on DuckDB (its views are always current)."""
    invocation = dbt.cli(
        ["run-operation", "refresh_realtime_views"],
        manifest=synapse_project.manifest_path,
        raise_on_error=False,
        target_path=REALTIME_TARGET_PATH,
    )
    for event in invocation.stream_raw_events():
        message = event.raw_event.get("info", {}).get("msg", "")
        if message:
            context.log.info(str(message))
    raise_for_dbt_failure(invocation)


@job(description="Every minute: incremental staging, then the real-time views.")
def realtime() -> None:
    refresh_realtime_views(staged=build_realtime_staging())


def _status() -> DefaultScheduleStatus:
    """Schedules start stopped (turn them on in the UI) unless
    SYNAPSE_SCHEDULES_RUNNING=1, as in a production deployment."""
    running = os.environ.get("SYNAPSE_SCHEDULES_RUNNING", "") == "1"
    return DefaultScheduleStatus.RUNNING if running else DefaultScheduleStatus.STOPPED


def previous_day(context: ScheduleEvaluationContext) -> str:
    scheduled = context.scheduled_execution_time or dt.datetime.now(dt.UTC)
    return (scheduled.date() - dt.timedelta(days=1)).isoformat()


@schedule(
    job=daily_aggregate_job,
    cron_schedule="0 1 * * *",
    execution_timezone="UTC",
    default_status=_status(),
)
def daily_aggregate_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    """01:00 UTC: yesterday's partition, validation through the daily marts."""
    partition = previous_day(context)
    return RunRequest(run_key=f"daily_aggregate-{partition}", partition_key=partition)


def daily_aggregate_succeeded(
    context: ScheduleEvaluationContext, partition: str
) -> bool:
    records = context.instance.get_run_records(
        RunsFilter(
            job_name=daily_aggregate_job.name,
            statuses=[DagsterRunStatus.SUCCESS],
            tags={"dagster/partition": partition},
        ),
        limit=1,
    )
    return bool(records)


@schedule(
    job=weekly_reports_job,
    cron_schedule="0 2 * * 1",
    execution_timezone="UTC",
    default_status=_status(),
)
def weekly_reports_schedule(
    context: ScheduleEvaluationContext,
) -> RunRequest | SkipReason:
    """Mondays 02:00 UTC: the week that ended on Sunday, once Sunday's
    daily_aggregate has succeeded (skipped, with the reason, until then)."""
    partition = previous_day(context)
    if not daily_aggregate_succeeded(context, partition):
        return SkipReason(
            f"daily_aggregate has not succeeded for {partition}: weekly_reports waits "
            "for it (run or backfill daily_aggregate for that date)"
        )
    return RunRequest(run_key=f"weekly_reports-{partition}", partition_key=partition)


@schedule(
    job=realtime,
    cron_schedule="* * * * *",
    execution_timezone="UTC",
    default_status=_status(),
)
def realtime_schedule(context: ScheduleEvaluationContext) -> RunRequest:
    """Every minute; a tick never queues behind a slow one (run_key per minute)."""
    scheduled = context.scheduled_execution_time or dt.datetime.now(dt.UTC)
    return RunRequest(run_key=f"realtime-{scheduled:%Y%m%dT%H%M}")


JOBS = [
    data_validation_job,
    user_metrics_job,
    daily_aggregate_job,
    business_metrics_job,
    weekly_reports_job,
    realtime,
]
SCHEDULES = [daily_aggregate_schedule, weekly_reports_schedule, realtime_schedule]
