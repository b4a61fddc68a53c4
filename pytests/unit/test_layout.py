"""The test suite's own layout rules (pytests/conftest.py, README "Testing"):
the scheduling tables name real modules, a module that reads a session-cached
build is grouped with the others that read it, and no test-suite module grows
past the 700-line limit of the issue that split them."""

from __future__ import annotations

import re
from pathlib import Path

import conftest

TESTS = Path(conftest.__file__).resolve().parent
SHARED_BUILDERS = {
    # support module: the session-cached build function it offers
    "small_warehouse": "small-warehouse",
    "dashboards_support": "dashboards-warehouse",
}


def _test_modules() -> list[Path]:
    return sorted(TESTS.glob("*/test_*.py"))


def test_every_test_module_is_in_a_layer() -> None:
    flat = sorted(p.name for p in TESTS.glob("test_*.py"))
    assert not flat, f"move into pytests/unit, project or e2e: {flat}"
    for path in _test_modules():
        assert path.parent.name in {*conftest.LAYERS, "support"}, path


def test_scheduling_tables_name_existing_modules() -> None:
    groups = set(conftest.SHARED_BUILDS.values())
    for module in conftest.SHARED_BUILDS:
        assert (TESTS / module).is_file(), f"SHARED_BUILDS: no {module}"
    for unit in conftest.EXPECTED_SECONDS:
        assert unit in groups or (TESTS / unit).is_file(), (
            f"EXPECTED_SECONDS: {unit} is neither a module nor a group"
        )


def test_readers_of_a_session_build_share_a_worker() -> None:
    readers = {}
    for path in _test_modules():
        text = path.read_text()
        for support, group in SHARED_BUILDERS.items():
            pattern = (
                rf"^(import {support}$"
                rf"|from {support} import \(?[^)]*?\bduckdb_warehouse\b)"
            )
            if re.search(pattern, text, re.M):
                readers[path.relative_to(TESTS).as_posix()] = group
    assert readers, "no module reads a session build: update SHARED_BUILDERS"
    wrong = {
        module: group
        for module, group in readers.items()
        if conftest.SHARED_BUILDS.get(module) != group
    }
    assert not wrong, (
        f"these modules read a session build: add them to SHARED_BUILDS in"
        f" pytests/conftest.py with their group: {wrong}"
    )
    assert readers == conftest.SHARED_BUILDS


def test_no_test_suite_module_over_700_lines() -> None:
    long = {
        path.relative_to(TESTS).as_posix(): n
        for path in TESTS.rglob("*.py")
        if (n := len(path.read_text().splitlines())) > 700
    }
    assert not long, f"split these modules (over 700 lines): {long}"
