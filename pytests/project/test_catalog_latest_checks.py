"""The catalog's "Latest checks" come from the monitoring tables when the
warehouse has them (DuckDB and Postgres), from the last run's artifacts with a
note when it does not, and always show the most recent result of each check.

The fixture tables have exactly the schema the monitoring hooks write
(`monitoring.dbt_node_results`, `monitoring.dbt_source_freshness_results`).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from project import manifest

from synapse_devtools import docs_site, latest_checks
from synapse_landing.warehouse import DuckDBWarehouse, PostgresWarehouse

MODEL = "model.synapse.fct_daily_active_users"
TEST = "test.synapse.not_null_fct_daily_active_users_dau.07a8562eb0"
UNIT = (
    "unit_test.synapse.fct_daily_active_users"
    ".dau_wau_mau_at_window_edges_and_empty_days"
)
SOURCE = "source.synapse.app.app_events"
OLD = dt.datetime(2026, 6, 1, 8, 0)
NEW = dt.datetime(2026, 6, 2, 8, 0)

NODE_DDL = """create table monitoring.dbt_node_results (
    invocation_id varchar(64), unique_id varchar(512), resource_type varchar(32),
    node_name varchar(256), status varchar(32), failures integer,
    execution_time_seconds double precision, completed_at timestamp,
    message varchar(4096))"""
FRESHNESS_DDL = """create table monitoring.dbt_source_freshness_results (
    invocation_id varchar(64), unique_id varchar(512), source_name varchar(256),
    table_name varchar(256), status varchar(32), max_loaded_at timestamp,
    snapshotted_at timestamp, age_seconds double precision)"""


def _node(invocation: str, unique_id: str, status: str, **values) -> tuple:
    """A dbt_node_results row; the node's type and name come from its id."""
    resource_type, _, *rest = unique_id.split(".")
    name = rest[-1] if resource_type == "unit_test" else rest[0]
    return (
        invocation,
        unique_id,
        resource_type,
        name,
        status,
        values.get("failures"),
        values.get("seconds", 0.1),
        values.get("at", NEW),
        values.get("message"),
    )


NODE_ROWS = [
    # An older invocation where everything passed ...
    _node("inv-1", MODEL, "success", seconds=1.5, at=OLD, message="OK"),
    _node("inv-1", TEST, "pass", failures=0, at=OLD),
    # ... and a newer one where the not_null test failed on 3 rows.
    _node("inv-2", MODEL, "success", seconds=2.5, message="OK"),
    _node("inv-2", TEST, "fail", failures=3, message="Got 3 results"),
    _node("inv-2", UNIT, "pass", failures=0),
]
FRESHNESS_ROWS = [
    ("inv-1", SOURCE, "app", "app_events", "pass", OLD, OLD, 60.0),
    ("inv-2", SOURCE, "app", "app_events", "error", OLD, NEW, 86_400.0),
]


def _literal(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, int | float):
        return str(value)
    return f"'{value}'"


def _insert(warehouse, table: str, rows: list[tuple]) -> None:
    for row in rows:
        values = ", ".join(_literal(value) for value in row)
        warehouse.execute(f"insert into monitoring.{table} values ({values})")


def _fill(warehouse) -> None:
    warehouse.execute("create schema if not exists monitoring")
    warehouse.execute(NODE_DDL)
    warehouse.execute(FRESHNESS_DDL)
    _insert(warehouse, "dbt_node_results", NODE_ROWS)
    _insert(warehouse, "dbt_source_freshness_results", FRESHNESS_ROWS)


def _assert_latest(checks: latest_checks.LatestChecks) -> None:
    assert "monitoring.dbt_node_results" in checks.origin
    assert "monitoring.dbt_source_freshness_results" in checks.origin
    assert checks.note == ""
    assert checks.results[TEST].status == "fail"
    assert checks.results[TEST].failures == 3
    assert checks.results[MODEL].completed_at == NEW
    assert checks.freshness[SOURCE].status == "error"
    annotated = latest_checks.annotate(manifest(), checks)
    model = annotated["nodes"][MODEL]["description"]
    assert "### Latest checks" in model
    assert "**Build:** success, 2026-06-02 08:00 UTC, 2.5 s" in model
    assert "| not_null_fct_daily_active_users_dau | **FAIL** | 3 |" in model
    assert "| dau_wau_mau_at_window_edges_and_empty_days | pass | 0 |" in model
    assert "| not_null_fct_daily_active_users_wau | not run |" in model
    source = annotated["sources"][SOURCE]["description"]
    assert "**Freshness:** error: data loaded up to 2026-06-01 08:00 UTC" in source
    assert "24.0 h old" in source
    # dbt's own manifest is not modified.
    assert "Latest checks" not in manifest()["nodes"][MODEL]["description"]


def test_duckdb_monitoring_tables_give_the_latest_result(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    warehouse = DuckDBWarehouse(path=str(path))
    _fill(warehouse)
    warehouse.close()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SYNAPSE_DUCKDB_PATH", str(path))
        _assert_latest(docs_site.read_checks("duckdb", tmp_path))


@pytest.mark.postgres
def test_postgres_monitoring_tables_give_the_latest_result(
    postgres_database: str, tmp_path: Path
) -> None:
    warehouse = PostgresWarehouse(dbname=postgres_database)
    _fill(warehouse)
    warehouse.close()
    _assert_latest(docs_site.read_checks("postgres", tmp_path))


def _artifacts(target: Path) -> None:
    """run_results.json and sources.json as dbt writes them (trimmed)."""
    run_results = {
        "metadata": {"invocation_id": "local"},
        "args": {"which": "build"},
        "results": [
            {
                "unique_id": TEST,
                "status": "pass",
                "failures": 0,
                "execution_time": 0.1,
                "message": None,
                "timing": [
                    {"name": "compile", "completed_at": "2026-06-03T09:00:00.1Z"},
                    {"name": "execute", "completed_at": "2026-06-03T09:00:01.5Z"},
                ],
            }
        ],
    }
    sources = {
        "results": [
            {
                "unique_id": SOURCE,
                "status": "pass",
                "max_loaded_at": "2026-06-03T08:50:00+00:00",
                "snapshotted_at": "2026-06-03T09:00:00+00:00",
                "max_loaded_at_time_ago_in_s": 600.0,
            }
        ]
    }
    (target / "run_results.json").write_text(json.dumps(run_results))
    (target / "sources.json").write_text(json.dumps(sources))


def test_without_monitoring_tables_the_artifacts_are_used_with_a_note(
    tmp_path: Path,
) -> None:
    path = tmp_path / "empty.duckdb"
    DuckDBWarehouse(path=str(path)).close()
    _artifacts(tmp_path)
    docs_site.keep_build_results(tmp_path)  # what `make docs` does first
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SYNAPSE_DUCKDB_PATH", str(path))
        checks = docs_site.read_checks("duckdb", tmp_path)
    assert "last_build_run_results.json" in checks.origin
    assert "no `monitoring.dbt_node_results` table" in checks.note
    annotated = latest_checks.annotate(manifest(), checks)
    model = annotated["nodes"][MODEL]["description"]
    assert "> Note: The warehouse has no `monitoring.dbt_node_results`" in model
    assert (
        "| not_null_fct_daily_active_users_dau | pass | 0 | 2026-06-03 09:00 UTC |"
        in model
    )
    source = annotated["sources"][SOURCE]["description"]
    assert (
        "**Freshness:** pass: data loaded up to 2026-06-03 08:50 UTC, 10 min old"
        in source
    )


def test_a_docs_generate_never_replaces_the_kept_build_results(tmp_path: Path) -> None:
    _artifacts(tmp_path)
    docs_site.keep_build_results(tmp_path)
    generated = {"args": {"which": "generate"}, "results": []}
    (tmp_path / "run_results.json").write_text(json.dumps(generated))
    docs_site.keep_build_results(tmp_path)
    kept = json.loads((tmp_path / docs_site.KEPT_RUN_RESULTS).read_text())
    assert kept["results"][0]["unique_id"] == TEST


def test_the_static_site_embeds_the_annotated_manifest(tmp_path: Path) -> None:
    checks = latest_checks.LatestChecks(origin="a fixture")
    annotated = latest_checks.annotate(manifest(), checks)
    site = docs_site.write_static_site(tmp_path, annotated, {"nodes": {}})
    page = site.read_text()
    assert "MANIFEST.JSON INLINE DATA" not in page
    assert "CATALOG.JSON INLINE DATA" not in page
    assert "Latest recorded result of each check, from a fixture." in page
