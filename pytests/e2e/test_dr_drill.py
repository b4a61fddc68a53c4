"""`make dr-drill` on a small dataset, through the same code as on the
default one: a built DuckDB warehouse is deleted, re-landed from its raw
zone, rebuilt, and every mart must equal its copy from before the drill.
The negative cases tamper with a mart after the drill and expect the
comparison to name exactly that mart.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from harness import BIN, ROOT, ensure_profiles, land_cli

from synapse_devtools import dr_drill

NO_TESTS = ["--exclude", "resource_type:test", "resource_type:unit_test"]


@pytest.fixture(scope="module")
def drilled(tmp_path_factory) -> dict:
    """A small warehouse built, then drilled; the paths and the report."""
    ensure_profiles()
    root = tmp_path_factory.mktemp("dr_drill")
    warehouse, raw_zone = root / "synapse.duckdb", root / "landing"
    env = {"SYNAPSE_DUCKDB_PATH": str(warehouse)}
    land_cli(
        [
            "generate",
            "--users",
            "80",
            "--days",
            "20",
            "--out",
            str(raw_zone),
            "--load",
            "duckdb",
            "--duckdb-path",
            str(warehouse),
            "--replace",
        ],
        env,
    )
    workdir = root / "drill"
    # the drill's own target path: its `dbt parse` reuses this partial parse
    subprocess.run(
        [
            str(BIN / "dbt"),
            "build",
            "--full-refresh",
            *NO_TESTS,
            "--target",
            "local",
            "--target-path",
            str(workdir / "target"),
            "--log-path",
            str(workdir / "logs"),
        ],
        cwd=ROOT,
        env={**os.environ, **env, "DBT_PROFILES_DIR": str(ROOT / ".dbt")},
        check=True,
        capture_output=True,
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "synapse_devtools.dr_drill",
            "--warehouse",
            str(warehouse),
            "--raw-zone",
            str(raw_zone),
            "--workdir",
            str(workdir),
            "--skip-tests",
        ],
        cwd=ROOT,
        env={**os.environ, **env, "DBT_PROFILES_DIR": str(ROOT / ".dbt")},
        capture_output=True,
        text=True,
    )
    assert (workdir / "report.json").exists(), result.stdout + result.stderr
    report = json.loads((workdir / "report.json").read_text(encoding="utf-8"))
    return {
        "result": result,
        "report": report,
        "warehouse": warehouse,
        "snapshot": workdir / "marts-before.duckdb",
        "marts": dr_drill.marts_from_manifest(workdir / "target" / "manifest.json"),
    }


def test_drill_rebuilds_every_mart_identically(drilled):
    result, report = drilled["result"], drilled["report"]
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    mart_files = {p.stem for p in (ROOT / "models" / "marts").rglob("*.sql")}
    assert {m["name"] for m in report["marts"]} == mart_files
    assert all(m["equal"] for m in report["marts"])
    assert sum(m["rows_before"] for m in report["marts"]) > 0
    assert all(m["rows_before"] == m["rows_after"] for m in report["marts"])
    assert report["passed"] and report["within_rto"]
    assert report["steps"]["re_land_s"] > 0 and report["steps"]["rebuild_s"] > 0
    assert "PASSED" in result.stdout and "RTO" in result.stdout


def _tamper(warehouse: Path, sql: str) -> None:
    con = duckdb.connect(str(warehouse))
    try:
        con.execute(sql)
    finally:
        con.close()


def _differing(drilled) -> dict[str, dr_drill.MartCheck]:
    checks = dr_drill.compare_marts(
        drilled["warehouse"], drilled["snapshot"], drilled["marts"]
    )
    return {c.name: c for c in checks if not c.equal}


def test_a_changed_value_in_one_mart_fails_the_comparison(drilled):
    _tamper(
        drilled["warehouse"],
        "update mart.fct_daily_active_users set dau = dau + 1 "
        "where activity_date = (select max(activity_date) "
        "from mart.fct_daily_active_users)",
    )
    differing = _differing(drilled)
    assert set(differing) == {"fct_daily_active_users"}
    check = differing["fct_daily_active_users"]
    assert (check.missing_rows, check.extra_rows) == (1, 1)
    assert check.fingerprint_before != check.fingerprint_after


def test_a_duplicated_row_fails_the_comparison(drilled):
    _tamper(
        drilled["warehouse"],
        "insert into mart.dim_users select * from mart.dim_users limit 1",
    )
    differing = _differing(drilled)
    assert "dim_users" in differing
    check = differing["dim_users"]
    assert (check.missing_rows, check.extra_rows) == (0, 1)
    assert check.rows_after == check.rows_before + 1


def test_a_float_off_beyond_rounding_noise_fails_the_comparison(drilled):
    _tamper(
        drilled["warehouse"],
        "update mart.fct_sessions_daily "
        "set avg_duration_seconds = avg_duration_seconds * (1 + 1e-6) "
        "where session_date = (select min(session_date) from mart.fct_sessions_daily)",
    )
    assert "fct_sessions_daily" in _differing(drilled)


def test_drill_refuses_a_missing_warehouse(tmp_path):
    code = dr_drill.main(
        ["--warehouse", str(tmp_path / "none.duckdb"), "--raw-zone", str(tmp_path)]
    )
    assert code == 2
