"""The conventions check (dbt-score with synapse_conventions.rules) fails,
saying what to fix, on a deliberately bad model. That it passes on the
repository is the `dbt-conventions` pre-commit hook of `make lint`."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from harness import PROFILES_DIR, ROOT, ensure_profiles

COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "target", "logs", "dbt_packages", "landing", "warehouse",
    "*.duckdb", ".dagster", "__pycache__", "node_modules",
)  # fmt: skip

BAD_MODEL = """\
with

events as (
    select * from {{ source('app', 'app_events') }}
),

final as (
    select event_id from events
)

select * from final
"""


def check(project: Path, target: Path) -> subprocess.CompletedProcess[str]:
    ensure_profiles()
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "synapse_conventions.check",
            "--project-dir",
            str(project),
            "--target-path",
            str(target),
        ],
        env={
            "PATH": str(Path(sys.executable).parent),
            "DBT_PROFILES_DIR": str(PROFILES_DIR),
            "HOME": str(target),
        },
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture
def bad_project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    shutil.copytree(ROOT, project, ignore=COPY_IGNORE)
    (project / "models/marts/growth/signups_by_day.sql").write_text(BAD_MODEL)
    return project


def test_bad_model_fails_with_what_to_fix(bad_project: Path, tmp_path: Path) -> None:
    result = check(bad_project, tmp_path / "bad")
    output = result.stdout
    assert result.returncode == 1, output[-4000:] + result.stderr[-2000:]
    assert "signups_by_day" in output
    for fix in (
        "rename with a prefix of fct_/dim_",  # naming by layer
        "not source()",  # marts never read sources
        "add a description",  # documented
        "test the primary key",  # primary-key test
    ):
        assert fix in output, fix
    # the rest of the project still passes: only the bad model is listed
    assert output.count("Model: ") == 1, output[-4000:]
    assert "break the project's conventions" in output
