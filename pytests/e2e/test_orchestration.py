"""The Dagster code location (orchestration/): asset graph, jobs, schedules,
a partition backfill on a real DuckDB warehouse, a failed upstream asset,
and the alert and report commands called by the sensors and assets.

Everything runs in process on one small dataset (150 users, 20 days); the
only dbt build is the backfill's, shared by the tests after it."""

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import duckdb
import pytest
from harness import PROFILES_DIR, ROOT, ensure_profiles

from synapse_landing import generator

pytestmark = pytest.mark.slow

END = dt.datetime(2026, 3, 21)  # a Saturday; the data covers 2026-03-01..20
BACKFILL = ("2026-03-10", "2026-03-12")
ORCHESTRATION = ROOT / "orchestration"


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("orchestration")


@pytest.fixture(scope="module")
def orchestration(workdir: Path) -> Iterator[ModuleType]:
    """The code location, pointed at a fresh DuckDB file and raw zone."""
    ensure_profiles()
    landing = workdir / "landing"
    generator.write_jsonl(
        generator.generate(
            generator.GeneratorConfig(seed=3, users=150, days=20, end=END)
        ),
        landing,
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBT_PROFILES_DIR", str(PROFILES_DIR))
        patch.setenv("SYNAPSE_TARGET", "local")
        patch.setenv("SYNAPSE_DUCKDB_PATH", str(workdir / "warehouse.duckdb"))
        patch.setenv("SYNAPSE_LANDING_DIR", str(landing))
        patch.setenv("SYNAPSE_PARTITIONS_START", "2026-03-01")
        patch.syspath_prepend(str(ORCHESTRATION))
        import synapse_orchestration.definitions as definitions

        yield definitions


@pytest.fixture(scope="module")
def instance():
    from dagster import instance_for_test

    with instance_for_test() as temporary:
        yield temporary


def recorder(workdir: Path, name: str, exit_code: int):
    """A tiny real command: appends its arguments and alert environment to a
    JSON-lines file, then exits with `exit_code`."""
    from synapse_orchestration.commands import ExternalCommand

    log = workdir / f"{name}.jsonl"
    script = workdir / f"{name}.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import json, os, sys
            env = {{k: v for k, v in os.environ.items() if k.startswith("SYNAPSE_A")}}
            record = {{"argv": sys.argv[1:], "env": env}}
            with open({str(log)!r}, "a") as out:
                out.write(json.dumps(record) + "\\n")
            sys.exit({exit_code})
            """
        )
    )
    return ExternalCommand(
        command=f"{sys.executable} {script}", ok_exit_codes=[0, 1]
    ), log


def calls(log: Path) -> list[dict]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines()]


def keys(selection: set) -> set[str]:
    return {key.to_user_string() for key in selection}


def job_keys(orchestration: ModuleType, name: str) -> set[str]:
    job = orchestration.defs.resolve_job_def(name)
    return keys(job.asset_layer.selected_asset_keys)


# ---------- structure ----------


def test_asset_graph(orchestration: ModuleType) -> None:
    from dagster import AssetKey

    graph = orchestration.defs.resolve_asset_graph()
    parents = graph.get(AssetKey(["staged", "stg_app__event_deliveries"])).parent_keys
    assert parents == {AssetKey(["app", "app_events"])}
    daily_active = graph.get(AssetKey(["mart", "fct_daily_active_users"])).parent_keys
    assert AssetKey(["intermediate", "int_user_days_aggregated"]) in daily_active
    report = graph.get(AssetKey("weekly_report_file")).parent_keys
    assert report == {AssetKey(["mart", "rpt_weekly_kpis"])}
    checks = {
        (key.asset_key.to_user_string(), key.name)
        for key in graph.asset_check_keys
        if key.name == "source_freshness"
    }
    assert {asset for asset, _ in checks} == {
        "app/app_events",
        "oltp/users_cdc",
        "oltp/messages_cdc",
        "billing/billing_subscriptions",
    }


def test_jobs_follow_the_design_order(orchestration: ModuleType) -> None:
    validation = job_keys(orchestration, "data_validation")
    user_metrics = job_keys(orchestration, "user_metrics")
    daily = job_keys(orchestration, "daily_aggregate")
    business = job_keys(orchestration, "business_metrics")
    weekly = job_keys(orchestration, "weekly_reports")
    assert "app/app_events" in validation and "staged/stg_app__events" in validation
    assert (
        "mart/dim_users" in user_metrics and "mart/fct_conversion" not in user_metrics
    )
    # daily_aggregate = data_validation, then user_metrics, then its marts
    assert validation | user_metrics <= daily
    assert "mart/fct_daily_active_users" in daily
    assert not daily & business and "mart/rpt_weekly_kpis" not in daily
    # weekly_reports = business_metrics, then the weekly marts and the file
    assert business <= weekly
    assert {"mart/rpt_weekly_kpis", "weekly_report_file"} <= weekly
    assert orchestration.defs.resolve_job_def("realtime") is not None


def test_schedules_cron_and_timezone(orchestration: ModuleType) -> None:
    schedules = {s.name: s for s in orchestration.defs.schedules}
    expected = {
        "daily_aggregate_schedule": ("0 1 * * *", "daily_aggregate"),
        "weekly_reports_schedule": ("0 2 * * 1", "weekly_reports"),
        "realtime_schedule": ("* * * * *", "realtime"),
    }
    for name, (cron, job) in expected.items():
        assert schedules[name].cron_schedule == cron
        assert schedules[name].execution_timezone == "UTC"
        assert schedules[name].job_name == job


def test_daily_schedule_runs_yesterday_and_weekly_waits(
    orchestration: ModuleType, instance
) -> None:
    from dagster import RunRequest, SkipReason, build_schedule_context
    from synapse_orchestration import jobs

    at = dt.datetime(2026, 3, 16, 1, 0, tzinfo=dt.UTC)  # a Monday
    with build_schedule_context(instance=instance, scheduled_execution_time=at) as ctx:
        request = jobs.daily_aggregate_schedule(ctx)
    assert isinstance(request, RunRequest) and request.partition_key == "2026-03-15"
    weekly_at = at.replace(hour=2)
    with build_schedule_context(
        instance=instance, scheduled_execution_time=weekly_at
    ) as ctx:
        skipped = jobs.weekly_reports_schedule(ctx)
    assert isinstance(skipped, SkipReason)
    assert "daily_aggregate has not succeeded for 2026-03-15" in skipped.skip_message


def test_definitions_validate() -> None:
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "dagster"),
            "definitions",
            "validate",
            "-w",
            str(ORCHESTRATION / "workspace.yaml"),
        ],
        cwd=ROOT,
        env={**os.environ, "DBT_PROFILES_DIR": str(PROFILES_DIR)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "passed validation" in result.stdout + result.stderr


# ---------- execution ----------


@pytest.fixture(scope="module")
def backfill(orchestration: ModuleType, instance, workdir: Path):
    """data_validation over three dates, in one run (a single-run backfill).
    The smallest job that lands and stages: the marts' jobs only add dbt
    models to the same single dbt invocation."""
    from dagster._core.storage.tags import (
        ASSET_PARTITION_RANGE_END_TAG,
        ASSET_PARTITION_RANGE_START_TAG,
    )

    job = orchestration.defs.resolve_job_def("data_validation")
    return job.execute_in_process(
        instance=instance,
        tags={
            ASSET_PARTITION_RANGE_START_TAG: BACKFILL[0],
            ASSET_PARTITION_RANGE_END_TAG: BACKFILL[1],
        },
        raise_on_error=False,
    )


def warehouse(workdir: Path, sql: str) -> list[tuple]:
    connection = duckdb.connect(str(workdir / "warehouse.duckdb"), read_only=True)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def landed_rows(landing: Path, table: str, dates: set[str]) -> int:
    return sum(
        sum(1 for _ in path.open())
        for path in (landing / table).glob("date=*/*.jsonl")
        if path.parent.name.removeprefix("date=") in dates
    )


def test_backfill_builds_only_its_dates(backfill, instance, workdir: Path) -> None:
    from dagster import AssetKey

    assert backfill.success
    dates = {"2026-03-10", "2026-03-11", "2026-03-12"}
    landing = workdir / "landing"
    for table in ("app_events", "users_cdc", "messages_cdc", "billing_subscriptions"):
        (count,) = warehouse(workdir, f"select count(*) from raw.{table}")[0]
        assert count == landed_rows(landing, table, dates) > 0, table
    first, last = warehouse(
        workdir, "select min(loaded_at)::date, max(loaded_at)::date from raw.app_events"
    )[0]
    assert (str(first), str(last)) == BACKFILL
    (first_staged, last_staged) = warehouse(
        workdir,
        "select min(loaded_at)::date, max(loaded_at)::date from staged.stg_app__events",
    )[0]
    assert BACKFILL[0] <= str(first_staged) <= str(last_staged) <= BACKFILL[1]
    for key in (["app", "app_events"], ["staged", "stg_app__events"]):
        materialized = instance.get_materialized_partitions(AssetKey(key))
        assert materialized == dates, key
    # nothing outside the job's selector was built
    assert warehouse(
        workdir,
        "select count(*) from information_schema.tables where table_schema = 'mart'",
    ) == [(0,)]


def test_source_freshness_check_reports_stale_sources(backfill) -> None:
    evaluations = {
        e.asset_key.to_user_string(): e for e in backfill.get_asset_check_evaluations()
    }
    assert set(evaluations) >= {"app/app_events", "billing/billing_subscriptions"}
    # The backfilled batches landed in March: stale against today's clock.
    assert not evaluations["app/app_events"].passed
    assert evaluations["app/app_events"].metadata["status"].value == "error"


def test_failed_upstream_asset_stops_downstream(
    orchestration: ModuleType, instance, workdir: Path, backfill
) -> None:
    from dagster import AssetKey, DagsterEventType, build_run_status_sensor_context
    from synapse_orchestration.sensors import alert_on_run_failure

    job = orchestration.defs.resolve_job_def("daily_aggregate")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SYNAPSE_LANDING_DIR", str(workdir / "no-such-raw-zone"))
        failed = job.execute_in_process(
            instance=instance, partition_key="2026-03-13", raise_on_error=False
        )
    assert not failed.success
    landing_failures = [
        e for e in failed.all_events if e.event_type == DagsterEventType.STEP_FAILURE
    ]
    assert [e.step_key for e in landing_failures] == ["raw_landing"]
    assert "no-such-raw-zone" in str(landing_failures[0].step_failure_data.error)
    # no dbt step ran: nothing downstream was materialized for that date
    assert failed.get_asset_materialization_events() == []
    for key in (["staged", "stg_app__events"], ["mart", "fct_daily_active_users"]):
        assert "2026-03-13" not in instance.get_materialized_partitions(AssetKey(key))

    # the failure goes out through the alert command
    command, log = recorder(workdir, "failure_alert", exit_code=1)
    run_failure = next(
        e for e in failed.all_events if e.event_type == DagsterEventType.RUN_FAILURE
    )
    context = build_run_status_sensor_context(
        sensor_name="alert_on_run_failure",
        dagster_event=run_failure,
        dagster_instance=instance,
        dagster_run=failed.dagster_run,
        resources={"alert_command": command},
    ).for_run_failure()
    alert_on_run_failure(context)
    (call,) = calls(log)
    assert call["env"]["SYNAPSE_ALERT_JOB"] == "daily_aggregate"
    assert call["env"]["SYNAPSE_ALERT_RUN_ID"] == failed.run_id


def test_new_mon_alerts_rows_call_the_alert_command(
    orchestration: ModuleType, workdir: Path, backfill, monkeypatch
) -> None:
    """The backfill's March data is stale now, so the real mon_alerts holds
    open incidents: the sensor calls the command once for them, then stays
    quiet. A scratch relation then shows each new incident calls it again."""
    from dagster import build_sensor_context
    from synapse_orchestration.sensors import alert_on_new_mon_alerts

    command, log = recorder(workdir, "mon_alert", exit_code=1)

    real = build_sensor_context(resources={"alert_command": command})
    alert_on_new_mon_alerts(real)
    assert len(calls(log)) == 1
    assert (
        "no new incident"
        in alert_on_new_mon_alerts(
            build_sensor_context(
                cursor=real.cursor, resources={"alert_command": command}
            )
        ).skip_message
    )
    log.unlink()
    monkeypatch.setenv("SYNAPSE_MON_ALERTS_RELATION", "sensor_probe.mon_alerts")

    def tick(cursor: str | None):
        context = build_sensor_context(
            cursor=cursor, resources={"alert_command": command}
        )
        result = alert_on_new_mon_alerts(context)
        return context.cursor, result

    cursor, result = tick(None)
    assert calls(log) == [] and "cannot be read" in result.skip_message

    def insert(alert_id: str) -> None:
        connection = duckdb.connect(str(workdir / "warehouse.duckdb"))
        try:
            connection.execute(
                "create schema if not exists sensor_probe;"
                "create table if not exists sensor_probe.mon_alerts (alert_id varchar, "
                "rule varchar, subject varchar, opened_at timestamp)"
            )
            connection.execute(
                "insert into sensor_probe.mon_alerts values "
                f"('{alert_id}', 'processing_latency', 'app_events', "
                "'2026-03-12 10:00:00')"
            )
        finally:
            connection.close()

    insert("latency-1")
    cursor, _ = tick(cursor)
    assert len(calls(log)) == 1
    assert calls(log)[0]["env"]["SYNAPSE_ALERT_SOURCE"] == "mon_alerts"
    cursor, result = tick(cursor)
    assert len(calls(log)) == 1 and "no new incident" in result.skip_message
    insert("latency-2")
    tick(cursor)
    assert len(calls(log)) == 2


def test_weekly_report_runs_the_report_command(
    orchestration: ModuleType, instance, workdir: Path
) -> None:
    from dagster import materialize
    from synapse_orchestration.assets import weekly_report_file

    command, log = recorder(workdir, "report", exit_code=0)
    result = materialize(
        [weekly_report_file],
        partition_key="2026-03-15",  # Sunday of ISO week 11
        resources={"report_command": command},
        instance=instance,
    )
    assert result.success
    assert calls(log)[0]["argv"] == ["weekly", "--week", "2026-W11"]


def test_realtime_job_on_duckdb(orchestration: ModuleType, instance, backfill) -> None:
    result = orchestration.defs.resolve_job_def("realtime").execute_in_process(
        instance=instance
    )
    assert result.success
    logs = " ".join(
        str(e.message)
        for e in result.all_events
        if e.step_key == "refresh_realtime_views"
    )
    assert result.is_node_success("build_realtime_staging")
    assert result.is_node_success("refresh_realtime_views"), logs


def test_only_transient_warehouse_errors_are_retried(orchestration: ModuleType) -> None:
    from dagster import Backoff
    from synapse_orchestration.assets import WAREHOUSE_RETRY
    from synapse_orchestration.warehouse import is_transient

    assert WAREHOUSE_RETRY.backoff == Backoff.EXPONENTIAL
    assert WAREHOUSE_RETRY.max_retries == 3
    for message in (
        'IO Error: Could not set lock on file "/w/synapse.duckdb": Conflicting lock',
        "could not connect to server: Connection refused",
        "server closed the connection unexpectedly",
        "ERROR: deadlock detected",
        "FATAL: the database system is starting up",
    ):
        assert is_transient(message), message
    for message in (
        "Compilation Error in model fct_x: column foo does not exist",
        "Got 3 results, configured to fail if != 0",
        'relation "mart.fct_x" does not exist',
    ):
        assert not is_transient(message), message
