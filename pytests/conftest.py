"""Shared fixtures, the test layers, and the order tests run in.

Layout (the rule for a new test file; README "Testing" says the same):

    pytests/unit/      pure Python: no dbt, no database server, no browser
    pytests/project/   the dbt project read, not built: parse, compile, ls,
                       the manifest and its metadata, conventions, rendered SQL
    pytests/e2e/       lands data in a warehouse, runs a dbt build, needs
                       Postgres or drives a browser
    pytests/support/   helper modules (harness, pipeline, project, oracles),
                       importable by name (`from harness import ROOT`): the
                       folder is on pytest's `pythonpath` (pyproject.toml)

Each test gets the marker of its folder (`unit`, `project`, `e2e`), applied
here, so `pytest -m "unit or project"` selects the fast layers and a new file
cannot forget its marker. A test file outside these three folders is a
collection error: choose its layer by what it needs, the cheapest that works.

Postgres tests skip locally when no server is reachable, but under CI=true
an unreachable server is a failure, never a skip.

Parallel runs (`make pytest`: pytest-xdist, two workers, `--dist loadfile`):
`pytest_xdist_make_scheduler` below makes each module one unit of work (its
module-scoped warehouse is built once, on one worker) and the modules that
share a session-cached build one unit (`SHARED_BUILDS`). Units are handed
out heaviest first (`EXPECTED_SECONDS`), so the long builds start at once
and the short modules fill the gaps. (xdist's own `loadgroup` cannot do the
grouping here: it renames test ids, which pytest 9 no longer allows.)
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from harness import postgres_reachable, temporary_postgres_database

TESTS = Path(__file__).resolve().parent
LAYERS = ("unit", "project", "e2e")

# Modules whose tests read one build cached for the whole session (in a
# support module): they must run on the same xdist worker, or each worker
# would build (and write) the same warehouse.
SHARED_BUILDS = {
    # small_warehouse.duckdb_warehouse()
    "e2e/test_catalog_site.py": "small-warehouse",
    "e2e/test_semantic_layer.py": "small-warehouse",
    # dashboards_support.duckdb_warehouse()
    "e2e/test_dashboards_apptest.py": "dashboards-warehouse",
    "e2e/test_dashboards_browser.py": "dashboards-warehouse",
    "e2e/test_dashboards_report.py": "dashboards-warehouse",
}

# Rough seconds per unit of work on CI's 2 cores with 2 workers, from the
# per-test times `make pytest` prints (--durations; the CI run of
# 2026-12-03 for the heaviest); only the order matters: heaviest first.
# A unit not listed counts by its layer.
EXPECTED_SECONDS = {
    "e2e/test_incremental_equivalence.py": 460,
    "e2e/test_retention.py": 450,
    "e2e/test_marts_accuracy.py": 400,
    "e2e/test_hostile_input.py": 300,
    "e2e/test_staging_pipeline.py": 200,
    "e2e/test_quality_tests.py": 200,
    "e2e/test_salt_secrecy.py": 150,
    "e2e/test_governance.py": 150,
    "e2e/test_slim_ci.py": 150,
    "e2e/test_orchestration.py": 150,
    "e2e/test_dashboards_postgres.py": 120,
    "e2e/test_monitoring_alerts.py": 100,
    "e2e/test_replay.py": 100,
    "e2e/test_billing_snapshot.py": 100,
    "e2e/test_bench.py": 250,  # 12 small dbt runs, DuckDB and Postgres
    "e2e/test_dr_drill.py": 150,  # two builds of a tiny dataset
    "project/test_redshift_check.py": 200,  # two in-process dbt-redshift runs
    "small-warehouse": 200,
    "dashboards-warehouse": 200,
}
DEFAULT_SECONDS = {"e2e": 60, "project": 20, "unit": 5}


def _module(item: pytest.Item) -> str:
    """The test file, relative to pytests/ ("e2e/test_x.py")."""
    return item.path.resolve().relative_to(TESTS).as_posix()


def _layer(module: str) -> str | None:
    folder = module.split("/")[0]
    return folder if folder in LAYERS and "/" in module else None


def _unit_of_work(module: str) -> str:
    return SHARED_BUILDS.get(module, module)


def _expected_seconds(module: str) -> int:
    unit = _unit_of_work(module)
    return EXPECTED_SECONDS.get(unit, DEFAULT_SECONDS[_layer(module) or "e2e"])


def _heaviest_first(item: pytest.Item) -> tuple[int, str]:
    module = _module(item)
    return -_expected_seconds(module), _unit_of_work(module)


def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> None:
    misplaced = sorted({_module(i) for i in items if _layer(_module(i)) is None})
    if misplaced:
        raise pytest.UsageError(
            "test files outside the layers: "
            + ", ".join(f"pytests/{m}" for m in misplaced)
            + ". Move each into pytests/unit/, pytests/project/ or pytests/e2e/"
            " (the rule is in pytests/conftest.py and README 'Testing')."
        )
    for item in items:
        item.add_marker(getattr(pytest.mark, _layer(_module(item)) or "e2e"))
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # xdist hands out units in collection order: heaviest first. Every
        # worker sorts the same way (the collections must be equal); a stable
        # sort keeps each module's own order and pytest's grouping by fixture
        # parameter; the unit's name keeps a shared-build group together.
        # A plain run keeps the usual order.
        items.sort(key=_heaviest_first)


@pytest.hookimpl(optionalhook=True)  # a pytest-xdist hook; absent without it
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under `--dist loadfile` (or loadscope, loadgroup): one unit of work per
    module, or per group of `SHARED_BUILDS`, in collection order."""
    if config.getvalue("dist") not in {"loadfile", "loadscope", "loadgroup"}:
        return None
    from xdist.scheduler import LoadScopeScheduling

    class UnitOfWorkScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0].removeprefix("pytests/")
            return _unit_of_work(module)

    config.option.loadscopereorder = False  # keep the heaviest-first order
    return UnitOfWorkScheduling(config, log)


@pytest.fixture(scope="session")
def postgres_server() -> None:
    ok, reason = postgres_reachable()
    if ok:
        return
    message = (
        "PostgreSQL is not reachable with the SYNAPSE_PG_* settings "
        f"({reason}); start it (see README: 'Targets and credentials') or run .ci/run"
    )
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"CI=true requires Postgres: {message}")
    pytest.skip(message)


@pytest.fixture
def postgres_database(postgres_server: None, monkeypatch: pytest.MonkeyPatch):
    """A throwaway database; SYNAPSE_PG_DATABASE points at it for the test."""
    with temporary_postgres_database() as name:
        monkeypatch.setenv("SYNAPSE_PG_DATABASE", name)
        yield name
