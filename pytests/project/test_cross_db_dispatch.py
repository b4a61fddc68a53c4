"""Engine differences live in macros/cross_db/ (docs/decisions/0010).

A pure parse of the project's files, no dbt run: it fails when an
``adapter.dispatch`` call appears outside ``macros/cross_db/`` for a family
that the ADR's allowlist table does not name, when a row of that table has
gone stale, and when a model, snapshot, analysis or singular test branches
on ``target.type``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from harness import ROOT

ADR = ROOT / "docs" / "decisions" / "0010-dispatch-only-in-cross-db.md"
CROSS_DB = ROOT / "macros" / "cross_db"
# adapter.dispatch('family', ...) or adapter.dispatch("family", ...)
DISPATCH = re.compile(r"adapter\s*\.\s*dispatch\s*\(\s*['\"]([A-Za-z0-9_]+)['\"]")
# A row of the allowlist table: | `family` | `path` | reason |
ALLOW_ROW = re.compile(r"^\|\s*`([A-Za-z0-9_]+)`\s*\|\s*`([^`]+)`\s*\|(.+)\|\s*$")
TARGET_TYPE = re.compile(r"\btarget\s*\.\s*type\b|target\s*\[\s*['\"]type['\"]\s*\]")
SQL_FOLDERS = ("models", "snapshots", "analyses", "tests")


def dispatches(files: list[Path]) -> dict[str, set[str]]:
    """Family name -> the files (relative to the root) that dispatch it."""
    found: dict[str, set[str]] = {}
    for path in files:
        for family in DISPATCH.findall(path.read_text(encoding="utf-8")):
            found.setdefault(family, set()).add(path.relative_to(ROOT).as_posix())
    return found


def allowlist() -> dict[str, str]:
    """The ADR's table, family -> file: the one written list of exceptions."""
    rows = {}
    for line in ADR.read_text(encoding="utf-8").splitlines():
        match = ALLOW_ROW.match(line)
        if match:
            family, path, reason = match.groups()
            assert reason.strip(), f"{ADR.name}: `{family}` has no reason"
            rows[family] = path
    return rows


def outside_cross_db() -> dict[str, set[str]]:
    files = [
        path
        for path in sorted((ROOT / "macros").rglob("*.sql"))
        if CROSS_DB not in path.parents
    ]
    for folder in SQL_FOLDERS:
        files += sorted((ROOT / folder).rglob("*.sql"))
    return dispatches(files)


def test_parser_finds_the_dispatches_in_cross_db() -> None:
    """Guard against a regex that silently matches nothing."""
    inside = dispatches(sorted(CROSS_DB.rglob("*.sql")))
    assert {"json_parse_object", "sha256_hex", "percentile_cont"} <= set(inside)


def test_the_allowlist_is_read_from_the_adr() -> None:
    assert "apply_column_grants" in allowlist(), f"no allowlist table in {ADR}"


def test_no_dispatch_outside_cross_db_unless_allowlisted() -> None:
    allowed = allowlist()
    offenders = {
        family: sorted(paths)
        for family, paths in outside_cross_db().items()
        if family not in allowed or paths != {allowed[family]}
    }
    assert not offenders, (
        "adapter.dispatch outside macros/cross_db/: move these families there "
        f"(grouped by concern), or add a row with the reason to {ADR.name}: "
        f"{offenders}"
    )


def test_allowlist_has_no_stale_rows() -> None:
    found = outside_cross_db()
    stale = {
        family: path
        for family, path in allowlist().items()
        if path not in found.get(family, set())
    }
    assert not stale, (
        f"{ADR.name} allows families that no longer dispatch from the file it "
        f"names; remove their rows: {stale}"
    )


@pytest.mark.parametrize("folder", SQL_FOLDERS)
def test_no_target_type_branch_in_sql(folder: str) -> None:
    offenders = [
        path.relative_to(ROOT).as_posix()
        for path in sorted((ROOT / folder).rglob("*.sql"))
        if TARGET_TYPE.search(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, (
        "target.type in SQL outside macros: put the engine difference in a "
        f"dispatched macro in macros/cross_db/ (docs/decisions/0010): {offenders}"
    )


def test_model_yaml_does_not_branch_on_target_type() -> None:
    offenders = [
        path.relative_to(ROOT).as_posix()
        for path in sorted((ROOT / "models").rglob("*.yml"))
        if TARGET_TYPE.search(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, f"target.type in model YAML: {offenders}"
