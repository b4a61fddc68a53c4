"""Slim CI with deferral, proven on Postgres: production is built into the
plain schemas, its manifest becomes the state, one model changes in a copy of
the project, and `dbt build --select state:modified+ --defer --state ...`
with SYNAPSE_SCHEMA_PREFIX=ci builds exactly that model and its children in
the `ci_*` schemas, reading every other parent from production."""

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from harness import ROOT, dbt, work_dir

from synapse_landing import generator, loader
from synapse_landing.warehouse import PostgresWarehouse

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

CHANGED = "fct_daily_active_users"
CHILDREN = {"rpt_weekly_kpis"}
COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "target", "logs", "dbt_packages", "landing", "warehouse",
    "*.duckdb", ".dagster", "__pycache__",
)  # fmt: skip


def copy_project(destination: Path) -> Path:
    shutil.copytree(ROOT, destination, ignore=COPY_IGNORE)
    return destination


def run_dbt(project: Path, args: list[str], env: dict[str, str], name: str):
    """dbt in the copied project (the harness runs it from the repository)."""
    return dbt(
        [*args, "--project-dir", str(project)],
        target="postgres",
        env=env,
        run_name=name,
    )


LAST_DAY = dt.date(2026, 3, 14)


def land(database: str, workdir: Path, *, last_day: bool) -> None:
    """The raw zone up to the day before LAST_DAY, or LAST_DAY's batch."""
    landing = workdir / "landing"
    if not landing.exists():
        dataset = generator.generate(
            generator.GeneratorConfig(
                seed=9, users=80, days=14, end=dt.datetime(2026, 3, 15)
            )
        )
        generator.write_jsonl(dataset, landing)
    warehouse = PostgresWarehouse(schema="raw", dbname=database)
    try:
        if last_day:
            loader.land(landing, warehouse, since=LAST_DAY)
        else:
            loader.land(landing, warehouse, until=LAST_DAY - dt.timedelta(days=1))
    finally:
        warehouse.close()


def query(database: str, sql: str) -> list[tuple]:
    warehouse = PostgresWarehouse(schema="raw", dbname=database)
    try:
        return warehouse.query(sql)
    finally:
        warehouse.close()


def test_slim_ci_builds_only_the_change_and_defers_to_production(
    postgres_database: str, tmp_path: Path
) -> None:
    land(postgres_database, tmp_path, last_day=False)
    env = {"SYNAPSE_PG_DATABASE": postgres_database}
    project = copy_project(tmp_path / "project")

    # production: the changed model, its children and everything they read
    run_dbt(
        project,
        [
            "build",
            "--select",
            f"@{CHANGED}",
            "path:models/marts/realtime",
            "--exclude",
            "resource_type:test",
            "resource_type:unit_test",
        ],
        env,
        "slim-ci-prod",
    )
    state = tmp_path / "prod-state"
    state.mkdir()
    shutil.copy(work_dir("slim-ci-prod") / "manifest.json", state)

    # the pull request: one model changes
    model = next(project.glob(f"models/**/{CHANGED}.sql"))
    sql = model.read_text()
    assert "select * from final" in sql
    model.write_text(
        sql.replace("select * from final", "select * from final\nwhere 1 = 1")
    )

    ci_env = {**env, "SYNAPSE_SCHEMA_PREFIX": "ci"}
    run_dbt(
        project,
        ["build", "--select", "state:modified+", "--defer", "--state", str(state)],
        ci_env,
        "slim-ci-pr",
    )
    work = work_dir("slim-ci-pr")
    results = json.loads((work / "run_results.json").read_text())["results"]
    built = {
        r["unique_id"].split(".")[-1]
        for r in results
        if r["unique_id"].startswith("model.") and r["status"] == "success"
    }
    assert built == {CHANGED, *CHILDREN}
    # Exposures downstream of the change are selected too; they build
    # nothing, so dbt reports them as no-op.
    failed = [
        (r["unique_id"], r["status"])
        for r in results
        if r["status"] not in {"success", "pass"}
        and not (r["unique_id"].startswith("exposure.") and r["status"] == "no-op")
    ]
    assert failed == []

    # the changed model reads its (unchanged) parents from production ...
    compiled_dir = work / "compiled" / "synapse"
    compiled = (compiled_dir / model.relative_to(project)).read_text()
    assert '"intermediate"."int_user_days_aggregated"' in compiled
    assert '"ci_' not in compiled
    # ... and its child reads the changed model from CI, the rest from production
    report_path = "models/marts/reporting/rpt_weekly_kpis.sql"
    report = (compiled_dir / report_path).read_text()
    assert f'"ci_mart"."{CHANGED}"' in report
    assert '"mart"."fct_conversion"' in report

    # Relations in CI schemas: the two models built, plus the results tables
    # that every run's on-run-start hook keeps (schema monitoring).
    relations = {
        f"{row[0]}.{row[1]}"
        for row in query(
            postgres_database,
            "select table_schema, table_name from information_schema.tables "
            "where table_schema like 'ci%' and table_schema <> 'ci_monitoring'",
        )
    }
    assert relations == {f"ci_mart.{name}" for name in (CHANGED, *CHILDREN)}
    ci_rows = query(postgres_database, f"select count(*) from ci_mart.{CHANGED}")
    prod_rows = query(postgres_database, f"select count(*) from mart.{CHANGED}")
    assert ci_rows == prod_rows != [(0,)]

    refresh_realtime_views_between_builds(project, env, postgres_database, tmp_path)


def refresh_realtime_views_between_builds(
    project: Path, env: dict[str, str], database: str, workdir: Path
) -> None:
    """What the Dagster `realtime` job does every minute, on Postgres: stage
    a new batch, then `dbt run-operation refresh_realtime_views`. The
    materialized view shows the new batch only after the refresh."""
    as_of = "select as_of from mart.rt_active_users"
    before = query(database, as_of)
    land(database, workdir, last_day=True)
    run_dbt(
        project,
        [
            "build",
            "--selector",
            "realtime_staging",
            "--indirect-selection",
            "cautious",
        ],
        env,
        "slim-ci-realtime",
    )
    newest = query(database, "select max(received_at) from staged.stg_app__events")
    assert query(database, as_of) == before  # not refreshed yet
    assert newest != before
    result = run_dbt(
        project, ["run-operation", "refresh_realtime_views"], env, "slim-ci-refresh"
    )
    assert "refreshed 3 materialized view(s)" in result.stdout
    assert query(database, as_of) == newest
