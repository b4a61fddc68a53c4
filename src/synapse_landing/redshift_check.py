"""Compile the project for Redshift without a connection and parse the result.

No Redshift cluster is reachable from development or CI machines, so this is
how production SQL is checked: `dbt compile --target prod --no-introspect
--no-populate-cache` renders every node without querying the warehouse, then
each compiled file must parse under sqlfluff's `redshift` dialect with no
unparsable section. Run it as `python -m synapse_landing.redshift_check`.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlfluff.core import FluffConfig, Linter

PROJECT_DIR = Path(__file__).resolve().parents[2]


@dataclass
class ParseProblem:
    path: Path
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def compile_for_redshift(target_path: Path, select: str | None = None) -> None:
    command = [
        str(Path(sys.executable).parent / "dbt"),
        "compile",
        "--target",
        "prod",
        "--no-introspect",
        "--no-populate-cache",
        "--target-path",
        str(target_path),
        "--quiet",
    ]
    if select:
        command += ["--select", select]
    env = {
        # Compiling only: a stand-in salt, never used to build anything.
        "SYNAPSE_EMAIL_HASH_SALT": "compile-check-only",  # pragma: allowlist secret
        **os.environ,
        "DBT_PROFILES_DIR": str(PROJECT_DIR / ".dbt"),
    }
    result = subprocess.run(
        command, cwd=PROJECT_DIR, env=env, capture_output=True, text=True
    )
    if result.returncode != 0:
        raise RuntimeError(
            "dbt compile for Redshift failed:\n" + result.stdout + result.stderr
        )


def parse_problems(sql: str, path: Path, linter: Linter) -> list[ParseProblem]:
    parsed = linter.parse_string(sql, fname=str(path))
    problems = [ParseProblem(path, str(error)) for error in parsed.violations]
    tree = parsed.tree
    if tree is None:
        return problems or [ParseProblem(path, "sqlfluff produced no parse tree")]
    for segment in tree.recursive_crawl("unparsable"):
        line, column = segment.pos_marker.line_no, segment.pos_marker.line_pos
        snippet = segment.raw.strip().splitlines()[0][:80] if segment.raw else ""
        problems.append(
            ParseProblem(path, f"unparsable at {line}:{column}: {snippet!r}")
        )
    return problems


def redshift_linter() -> Linter:
    return Linter(
        config=FluffConfig(
            overrides={"dialect": "redshift", "templater": "raw"},
            require_dialect=False,
        )
    )


def check_directory(compiled_dir: Path) -> tuple[int, list[ParseProblem]]:
    linter = redshift_linter()
    files = sorted(compiled_dir.rglob("*.sql"))
    problems: list[ParseProblem] = []
    for path in files:
        problems.extend(parse_problems(path.read_text(), path, linter))
    return len(files), problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--select", help="dbt selector (default: every node)")
    parser.add_argument(
        "--target-path",
        type=Path,
        default=PROJECT_DIR / "target" / "redshift",
        help="where dbt writes the compiled SQL",
    )
    args = parser.parse_args(argv)
    print("compiling for Redshift (target prod, no connection) ...", flush=True)
    compile_for_redshift(args.target_path, args.select)
    compiled = args.target_path / "compiled" / "synapse"
    count, problems = check_directory(compiled)
    for problem in problems:
        print(problem)
    if count == 0:
        print("no compiled SQL found: nothing was checked", file=sys.stderr)
        return 1
    print(
        f"{count} compiled files parsed under the redshift dialect, "
        f"{len(problems)} problems"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
