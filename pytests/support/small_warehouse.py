"""One small warehouse, built once per test session and shared by the tests
that only read it (the catalog site, the semantic layer), so the CI budget
pays for one DuckDB build instead of one per module."""

from __future__ import annotations

import datetime as dt
import shutil
from functools import cache

from harness import work_dir
from pipeline import Pipeline, pipeline, small_config

from synapse_landing import generator

# A fixed end, so every number is independent of the wall clock.
END = dt.datetime(2026, 6, 30, 12, 0)
# This worker's folder (target/pytest/[<worker>/]small-warehouse); the
# modules that share the build are in one xdist group (see pytests/conftest.py).
WORKDIR = work_dir("small-warehouse")


@cache
def dataset() -> generator.Dataset:
    """~45 days, 150 users: every window metric (30 days) has full windows."""
    return generator.generate(small_config(seed=17, users=150, days=45, end=END))


# What the semantic layer's parity test reads: its marts, their upstream
# (the semantic models' intermediate tables) and the time spine.
SEMANTIC_SELECTION = (
    "+fct_daily_active_users +fct_usage_trends_daily +fct_user_growth_daily"
    " +fct_assistant_performance_daily +fct_conversion +dim_dates"
)


def land(built: Pipeline) -> None:
    root = WORKDIR / f"landing-{built.engine}"
    shutil.rmtree(root, ignore_errors=True)
    generator.write_jsonl(dataset(), root)
    built.land(root)


def build(built: Pipeline) -> Pipeline:
    """Land the dataset, build what the readers need with its tests (the
    catalog shows their results), check source freshness."""
    land(built)
    built.dbt(
        "build",
        "--select",
        SEMANTIC_SELECTION,
        # Only tests whose every parent is built (no reconciliation against
        # a quarantine table outside the selection).
        "--indirect-selection",
        "cautious",
    )
    # Stale on purpose (the data ends in the past): the catalog must show it.
    built.dbt("source", "freshness", check=False)
    return built


def build_semantic_only(built: Pipeline) -> Pipeline:
    """Land and build only what the semantic layer reads, without tests
    (they run in the other modules): the cheap build for a second engine."""
    land(built)
    built.dbt(
        "build",
        "--select",
        SEMANTIC_SELECTION,
        "--exclude-resource-type",
        "test",
        "--exclude-resource-type",
        "unit_test",
    )
    return built


@cache
def duckdb_warehouse() -> Pipeline:
    """The shared DuckDB build (a file under WORKDIR)."""
    shutil.rmtree(WORKDIR, ignore_errors=True)
    WORKDIR.mkdir(parents=True)
    with pipeline("duckdb", "small-warehouse", WORKDIR) as built:
        return build(built)
