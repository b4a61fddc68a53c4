"""Where the dbt project is and how Dagster prepares its manifest.

Every setting comes from the environment with a local default, so the same
code location runs under `make orchestrate` (DuckDB), in tests (a temporary
DuckDB file) and in production (the `prod` target)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from dagster_dbt import DbtProject

REPO_ROOT = Path(__file__).resolve().parents[2]

# dagster-dbt runs `dbt` from PATH. Started as .venv/bin/dagster without an
# activated venv, PATH lacks .venv/bin: add the interpreter's own bin folder,
# where the pinned dbt is installed.
if shutil.which("dbt") is None:
    os.environ["PATH"] = (
        f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    )


def dbt_target() -> str:
    """The dbt target the jobs build (`SYNAPSE_TARGET`, default `local`)."""
    return os.environ.get("SYNAPSE_TARGET", "local")


def profiles_dir() -> Path:
    """`.dbt/` holds a link to the committed profiles.yml.example."""
    path = Path(os.environ.get("DBT_PROFILES_DIR", REPO_ROOT / ".dbt"))
    if not path.exists():
        path.mkdir(parents=True)
    link = path / "profiles.yml"
    if not link.exists():
        link.symlink_to(REPO_ROOT / "profiles.yml.example")
    return path


def landing_dir() -> Path:
    """The raw zone the landing asset reads (`SYNAPSE_LANDING_DIR`)."""
    return Path(os.environ.get("SYNAPSE_LANDING_DIR", REPO_ROOT / "landing"))


def build_project() -> DbtProject:
    """The dbt project, with a manifest of its own under target/dagster/.

    The manifest is parsed when it is missing (first load, tests, CI) and on
    every load under `dagster dev`, so edits to models show up on reload."""
    project = DbtProject(
        project_dir=REPO_ROOT,
        target_path=Path("target") / "dagster",
        profiles_dir=profiles_dir(),
        target=dbt_target(),
    )
    if project.manifest_path.exists():
        project.prepare_if_dev()
    else:
        project.preparer.prepare(project)
    return project


synapse_project = build_project()
