"""The semantic layer (MetricFlow) gives the marts' numbers, on DuckDB and
Postgres: `mf validate-configs` passes against the built warehouse, and one
`mf query` of every metric by day equals the corresponding mart columns on
the same small generated dataset. Which mart column each metric equals, and
where they differ by design (conversion before a cohort is observable), is
recorded in docs/decisions/0004-metric-interpretations.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import small_warehouse
from harness import BIN, PROFILES_DIR, ROOT, ensure_profiles, work_dir
from pipeline import Pipeline, pipeline

pytestmark = pytest.mark.slow

METRICS = [
    "dau",
    "wau",
    "mau",
    "messages",
    "new_users",
    "converted_users_d30",
    "conversion_rate_d30",
    "assistant_responses",
    "assistant_error_responses",
    "assistant_error_rate",
    "response_time_p50",
    "response_time_p95",
]
Rows = dict[dt.date, dict[str, Any]]


def mf(built: Pipeline, *args: str) -> str:
    """Runs the MetricFlow CLI against one engine's warehouse.

    `mf` reads target/semantic_manifest.json at the project root, whatever
    --target-path dbt used: copy the engine's parse there first.
    """
    ensure_profiles()
    manifest = work_dir(built.run_name) / "semantic_manifest.json"
    shutil.copyfile(manifest, ROOT / "target" / "semantic_manifest.json")
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(PROFILES_DIR),
        "SYNAPSE_TARGET": built.target,
        **built.env,
    }
    result = subprocess.run(
        [str(BIN / "mf"), *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, f"mf {' '.join(args)}:\n{result.stdout[-4000:]}"
    return result.stdout


def query(built: Pipeline, out: Path, *args: str) -> Rows:
    mf(built, "query", *args, "--csv", str(out))
    rows: Rows = {}
    with out.open() as handle:
        for row in csv.DictReader(handle):
            day = row.pop("metric_time__day")
            if not day:
                continue  # users without a signup time: no cohort, no date
            rows[dt.date.fromisoformat(day[:10])] = {
                name: float(value) if value != "" else None
                for name, value in row.items()
            }
    return rows


def mart(built: Pipeline, name: str, key: str) -> Rows:
    return {row[key]: row for row in built.rows(f"mart.{name}")}


def close(left: Any, right: Any) -> bool:
    if left is None or right is None:
        return left is None and right is None
    return math.isclose(float(left), float(right), rel_tol=1e-9, abs_tol=1e-12)


def mismatches(found: Rows, expected: Rows, pairs: dict[str, str]) -> list:
    """(date, metric, semantic value, mart value) wherever they differ."""
    problems = []
    for day, row in sorted(expected.items()):
        for metric, column in pairs.items():
            value = found.get(day, {}).get(metric)
            if not close(value, row[column]):
                problems.append((day, metric, value, row[column]))
    return problems


@pytest.fixture(scope="module")
def postgres_built(postgres_server) -> Iterator[Pipeline]:
    workdir = small_warehouse.WORKDIR
    workdir.mkdir(parents=True, exist_ok=True)
    with pipeline("postgres", "semantic", workdir) as built:
        yield small_warehouse.build_semantic_only(built)


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def engine(request) -> Pipeline:
    if request.param == "duckdb":
        return small_warehouse.duckdb_warehouse()
    return request.getfixturevalue("postgres_built")


@pytest.fixture(scope="module")
def semantic(engine: Pipeline, tmp_path_factory) -> tuple[Pipeline, Rows]:
    """Every metric by day in one `mf query` (one CLI start per engine)."""
    out = tmp_path_factory.mktemp(f"mf-{engine.engine}") / "metrics.csv"
    rows = query(
        engine, out, "--metrics", ",".join(METRICS), "--group-by", "metric_time__day"
    )
    return engine, rows


def test_mf_validate_configs_passes_against_the_warehouse() -> None:
    built = small_warehouse.duckdb_warehouse()
    output = mf(built, "validate-configs")
    assert "ERRORS: 0" in output
    assert "against data warehouse" in output


def test_active_users_equal_fct_daily_active_users(semantic) -> None:
    built, found = semantic
    expected = mart(built, "fct_daily_active_users", "activity_date")
    assert len(expected) >= 30
    pairs = {"dau": "dau", "wau": "wau", "mau": "mau"}
    assert mismatches(found, expected, pairs) == []


def test_messages_equal_fct_usage_trends_daily(semantic) -> None:
    built, found = semantic
    expected = mart(built, "fct_usage_trends_daily", "activity_date")
    assert mismatches(found, expected, {"messages": "messages_sent"}) == []


def test_new_users_equal_fct_user_growth_daily(semantic) -> None:
    built, found = semantic
    expected = mart(built, "fct_user_growth_daily", "signup_date")
    assert sum(row["new_users"] for row in expected.values()) > 0
    assert mismatches(found, expected, {"new_users": "new_users"}) == []


def test_assistant_metrics_equal_fct_assistant_performance_daily(semantic) -> None:
    built, found = semantic
    expected = mart(built, "fct_assistant_performance_daily", "response_date")
    pairs = {
        "assistant_responses": "responses",
        "assistant_error_responses": "error_responses",
        "assistant_error_rate": "error_rate",
        "response_time_p50": "p50_response_ms",
        "response_time_p95": "p95_response_ms",
    }
    assert any(row["error_responses"] for row in expected.values())
    assert mismatches(found, expected, pairs) == []
    days_with_responses = {
        day for day, row in found.items() if row["assistant_responses"]
    }
    assert days_with_responses == set(expected)


def test_conversion_equals_fct_conversion_on_observable_cohorts(semantic) -> None:
    built, found = semantic
    cohorts = mart(built, "fct_conversion", "cohort_date")
    observable = {
        day: row for day, row in cohorts.items() if row["converted_d30"] is not None
    }
    assert observable and len(observable) < len(cohorts), "both kinds of cohort"
    assert any(row["converted_d30"] for row in observable.values())
    pairs = {
        "new_users": "signups",
        "converted_users_d30": "converted_d30",
        "conversion_rate_d30": "conversion_rate_d30",
    }
    assert mismatches(found, observable, pairs) == []


def test_a_saved_query_of_the_business_dashboard_gives_the_same_rows(
    tmp_path: Path,
) -> None:
    """Saved queries are engine-independent: checked once, on DuckDB."""
    built = small_warehouse.duckdb_warehouse()
    saved = query(
        built, tmp_path / "saved.csv", "--saved-query", "business_daily_assistant"
    )
    expected = mart(built, "fct_assistant_performance_daily", "response_date")
    assert set(saved) >= set(expected)
    for day, row in expected.items():
        assert close(saved[day]["assistant_responses"], row["responses"]), day
        assert close(saved[day]["response_time_p95"], row["p95_response_ms"]), day
