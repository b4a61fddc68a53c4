"""The assets: landed raw data (partitioned by landing date), the dbt
project, the weekly report file, and source freshness as asset checks."""

import datetime as dt
import json
import os
from collections.abc import Iterator
from typing import Any

from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    BackfillPolicy,
    Backoff,
    DailyPartitionsDefinition,
    Failure,
    Jitter,
    MaterializeResult,
    RetryPolicy,
    asset,
    multi_asset,
    multi_asset_check,
)
from dagster_dbt import (
    DbtCliInvocation,
    DbtCliResource,
    dbt_assets,
    get_asset_key_for_model,
)

from synapse_landing import loader

from .commands import ExternalCommand
from .project import landing_dir, synapse_project
from .warehouse import is_transient, open_warehouse

# One partition per landing date (UTC). The first date is configurable so a
# deployment does not list years of empty partitions.
DAILY_PARTITIONS = DailyPartitionsDefinition(
    start_date=os.environ.get("SYNAPSE_PARTITIONS_START", "2025-01-01"),
    timezone="UTC",
)

# Transient warehouse errors (see warehouse.TRANSIENT_PATTERNS) are retried
# after ~15 s, 30 s, 60 s; permanent ones fail at once (Failure without
# retries), so a failed test alerts without delay.
WAREHOUSE_RETRY = RetryPolicy(
    max_retries=3, delay=15, backoff=Backoff.EXPONENTIAL, jitter=Jitter.PLUS_MINUS
)

# The landing contract's raw tables, under the asset keys dagster-dbt gives
# the dbt sources ([source, table]), so staging depends on them.
RAW_TABLES: dict[str, AssetKey] = {
    "app_events": AssetKey(["app", "app_events"]),
    "users_cdc": AssetKey(["oltp", "users_cdc"]),
    "messages_cdc": AssetKey(["oltp", "messages_cdc"]),
    "billing_subscriptions": AssetKey(["billing", "billing_subscriptions"]),
}


def partition_dates(context: AssetExecutionContext) -> tuple[dt.date, dt.date]:
    """First and last date (inclusive) of the run's partition or range."""
    window = context.partition_time_window
    return window.start.date(), (window.end - dt.timedelta(days=1)).date()


@multi_asset(
    specs=[
        AssetSpec(
            key,
            group_name="raw",
            description=f"raw.{table}: the landing contract's table, appended "
            "one landing date at a time from the raw zone.",
        )
        for table, key in RAW_TABLES.items()
    ],
    partitions_def=DAILY_PARTITIONS,
    backfill_policy=BackfillPolicy.single_run(),
    retry_policy=WAREHOUSE_RETRY,
)
def raw_landing(context: AssetExecutionContext) -> Iterator[MaterializeResult]:
    """Land the raw-zone partitions of the run's dates (SYNAPSE_LANDING_DIR).

    Production data arrives through the streaming job and the CDC connector;
    this asset is how a local warehouse, a test or a backfill gets the same
    batches, date by date. Landing a date twice appends it twice: staging
    counts the copies as duplicates, nothing is double counted."""
    since, until = partition_dates(context)
    warehouse = open_warehouse()
    try:
        landed = loader.land(
            landing_dir(),
            warehouse,
            since=since,
            until=until,
            progress=context.log.info,
        )
    except Exception as error:
        if is_transient(str(error)):
            raise
        raise Failure(str(error), allow_retries=False) from error
    finally:
        warehouse.close()
    for table, key in RAW_TABLES.items():
        yield MaterializeResult(
            asset_key=key,
            metadata={
                "rows_landed": landed.get(table, 0),
                "since": str(since),
                "until": str(until),
            },
        )


def partition_vars(context: AssetExecutionContext) -> dict[str, str]:
    """The run's dates as dbt vars (`synapse_partition_start`/`_end`,
    inclusive), so models and hooks can narrow work to the partition."""
    start, end = partition_dates(context)
    return {"synapse_partition_start": str(start), "synapse_partition_end": str(end)}


def raise_for_dbt_failure(invocation: DbtCliInvocation) -> None:
    """Retry transient warehouse errors; fail permanent ones at once."""
    if invocation.is_successful():
        return
    messages = [str(invocation.get_error() or "")]
    try:
        run_results = invocation.get_artifact("run_results.json")
        messages += [
            str(r.get("message") or "") for r in run_results.get("results", [])
        ]
    except Exception:  # no run_results: dbt stopped before running anything
        pass
    text = "\n".join(m for m in messages if m)
    if is_transient(text):
        raise RuntimeError(f"transient warehouse error, will retry:\n{text[-2000:]}")
    raise Failure(f"dbt failed:\n{text[-4000:]}", allow_retries=False)


@dbt_assets(
    manifest=synapse_project.manifest_path,
    project=synapse_project,
    partitions_def=DAILY_PARTITIONS,
    retry_policy=WAREHOUSE_RETRY,
)
def synapse_dbt_assets(
    context: AssetExecutionContext, dbt: DbtCliResource
) -> Iterator[Any]:
    """`dbt build` of the selected models (and their tests) for the run's
    partition range: one dbt invocation per run, also for a backfill.

    Indirect selection is cautious: a job runs the tests whose parents it
    all builds, not cross-mart tests that read marts of another job."""
    args = [
        "build",
        "--indirect-selection",
        "cautious",
        "--vars",
        json.dumps(partition_vars(context)),
    ]
    invocation = dbt.cli(args, context=context, raise_on_error=False)
    yield from invocation.stream()
    raise_for_dbt_failure(invocation)


@asset(
    deps=[get_asset_key_for_model([synapse_dbt_assets], "rpt_weekly_kpis")],
    partitions_def=DAILY_PARTITIONS,
    group_name="reports",
    backfill_policy=BackfillPolicy.single_run(),
    retry_policy=WAREHOUSE_RETRY,
)
def weekly_report_file(
    context: AssetExecutionContext, report_command: ExternalCommand
) -> MaterializeResult:
    """The weekly KPI report of the ISO week holding the partition's last date
    (`synapse-report weekly --week YYYY-Www`; the Monday job runs it for the
    week that ended on Sunday)."""
    _, last = partition_dates(context)
    year, week, _ = last.isocalendar()
    iso_week = f"{year}-W{week:02d}"
    result = report_command.run(["weekly", "--week", iso_week])
    context.log.info(result.stdout)
    return MaterializeResult(
        metadata={"week": iso_week, "output": result.stdout[-2000:]}
    )


FRESHNESS_STATUS = {
    "pass": (True, AssetCheckSeverity.WARN),
    "warn": (False, AssetCheckSeverity.WARN),
    "error": (False, AssetCheckSeverity.ERROR),
}


@multi_asset_check(
    specs=[
        AssetCheckSpec(
            "source_freshness", asset=key, description="dbt source freshness"
        )
        for key in RAW_TABLES.values()
    ],
)
def source_freshness(dbt: DbtCliResource) -> Iterator[AssetCheckResult]:
    """`dbt source freshness` with the thresholds of the sources' YAML: warn
    past the warn threshold, error past the error threshold."""
    invocation = dbt.cli(
        ["source", "freshness"],
        manifest=synapse_project.manifest_path,
        raise_on_error=False,
    ).wait()
    results = invocation.get_artifact("sources.json").get("results", [])
    by_key = {}
    for result in results:
        _, _, source, table = result["unique_id"].split(".", 3)
        by_key[AssetKey([source, table])] = result
    for key in RAW_TABLES.values():
        result = by_key.get(key)
        if result is None:
            yield AssetCheckResult(
                asset_key=key,
                check_name="source_freshness",
                passed=False,
                severity=AssetCheckSeverity.ERROR,
                metadata={"error": "no freshness result (table missing?)"},
            )
            continue
        passed, severity = FRESHNESS_STATUS.get(
            result["status"], (False, AssetCheckSeverity.ERROR)
        )
        yield AssetCheckResult(
            asset_key=key,
            check_name="source_freshness",
            passed=passed,
            severity=severity,
            metadata={
                "status": result["status"],
                "max_loaded_at": str(result.get("max_loaded_at")),
                "age_seconds": float(result.get("max_loaded_at_time_ago_in_s") or 0),
            },
        )
