"""`python -m synapse_conventions.check`: parse the dbt project and score it
with dbt-score against the rules in synapse_conventions.rules. Exits 1, with
what to fix, when any model breaks a convention (make conventions, pre-commit).
"""

import argparse
import os
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def parse(project_dir: Path, target_path: Path) -> Path:
    """`dbt parse` into target_path; returns the manifest's path."""
    env = {
        **os.environ,
        "SYNAPSE_DUCKDB_PATH": os.environ.get("SYNAPSE_DUCKDB_PATH", ":memory:"),
    }
    env.setdefault("DBT_PROFILES_DIR", str(project_dir / ".dbt"))
    result = subprocess.run(
        [
            str(BIN / "dbt"),
            "parse",
            "--quiet",
            "--project-dir",
            str(project_dir),
            "--target",
            "local",
            "--target-path",
            str(target_path),
        ],
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        sys.stdout.write(result.stdout + result.stderr)
        raise SystemExit(
            f"dbt parse failed in {project_dir}: fix the error above first"
        )
    return target_path / "manifest.json"


def score(manifest: Path) -> int:
    """dbt-score with our rules only; every model must score 10 (no violation)."""
    result = subprocess.run(
        [
            str(BIN / "dbt-score"),
            "lint",
            "--namespace",
            "synapse_conventions",
            "--manifest",
            str(manifest),
            "--fail-any-item-under",
            "10",
            "--fail-project-under",
            "10",
            "--show",
            "failing-items",
        ],
        capture_output=True,
        text=True,
    )
    sys.stdout.write(result.stdout + result.stderr)
    return result.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--project-dir", type=Path, default=Path.cwd())
    parser.add_argument("--target-path", type=Path, default=None)
    args = parser.parse_args(argv)
    project = args.project_dir.resolve()
    target = args.target_path or project / "target" / "conventions"
    code = score(parse(project, target.resolve()))
    if code != 0:
        print(
            "\nconventions: the models above break the project's conventions; each "
            "line says what to change (CONTRIBUTING.md, 'Conventions')."
        )
    else:
        print("conventions: every model follows the project's conventions")
    return code


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
