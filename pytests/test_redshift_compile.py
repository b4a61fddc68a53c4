"""Production SQL: every node compiles for Redshift with no connection and
parses under sqlfluff's redshift dialect."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness import ROOT

from synapse_landing import redshift_check


@pytest.fixture(scope="module")
def compiled(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("redshift")
    redshift_check.compile_for_redshift(target)
    return target / "compiled" / "synapse"


def test_every_model_compiles_for_redshift(compiled: Path) -> None:
    models = {path.stem for path in (compiled / "models").rglob("*.sql")}
    sources = {path.stem for path in (ROOT / "models").rglob("*.sql")}
    assert sources <= models, sources - models


def test_compiled_sql_parses_under_the_redshift_dialect(compiled: Path) -> None:
    count, problems = redshift_check.check_directory(compiled)
    assert count > 0
    assert [str(problem) for problem in problems] == []


def test_incremental_models_compile_their_incremental_branch(compiled: Path) -> None:
    sql = (compiled / "models" / "staging" / "app" / "stg_app__events.sql").read_text()
    assert "touched_events" in sql


def test_the_parse_check_catches_unparsable_sql(tmp_path: Path) -> None:
    broken = tmp_path / "broken.sql"
    broken.write_text("select a from where b = = 1\n")
    count, problems = redshift_check.check_directory(tmp_path)
    assert count == 1 and problems
