"""One small DuckDB warehouse shared by the dashboard tests of a session, and
independent reads of the marts to compare the pages and the report with."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest
from pipeline import Pipeline, small_config

from synapse_landing import generator

# 70 days ending on a Wednesday: whole months March and April (one churn row),
# observable 30-day conversion cohorts, and a partial last ISO week.
END = dt.datetime(2026, 5, 6, 12, 0)
_BUILT: dict[str, Path] = {}


def duckdb_warehouse(factory: pytest.TempPathFactory) -> Path:
    """Land 150 users over 70 days and build (no data tests), once a session."""
    if "path" in _BUILT:
        return _BUILT["path"]
    workdir = factory.mktemp("dashboards")
    dataset = generator.generate(small_config(seed=13, users=150, days=70, end=END))
    generator.write_jsonl(dataset, workdir / "landing")
    path = workdir / "dashboards.duckdb"
    built = Pipeline(
        "duckdb",
        {"SYNAPSE_DUCKDB_PATH": str(path)},
        "dashboards-duckdb",
        duckdb_path=path,
    )
    built.land(workdir / "landing")
    built.dbt("build", "--exclude-resource-type", "test", "unit_test")
    _BUILT["path"] = path
    return path


def query(path: Path, sql: str) -> list[dict[str, Any]]:
    """Rows of `sql` on the DuckDB file, as dicts (read-only, like the app)."""
    connection = duckdb.connect(str(path), read_only=True)
    try:
        cursor = connection.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        connection.close()


def one(path: Path, sql: str) -> dict[str, Any]:
    rows = query(path, sql)
    assert len(rows) == 1, f"expected one row from {sql!r}, got {len(rows)}"
    return rows[0]
