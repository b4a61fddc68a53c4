"""sqlfluff's redshift dialect as a lint over SQL text.

Moved from synapse_landing.redshift_check: the old check compiled the models
with `dbt compile` and parsed them here. sqlfluff accepts much PostgreSQL
grammar under its redshift dialect, so a clean parse proves little; the
conformance rules (rules.py) judge what Redshift accepts, and this parse stays
as a lint that catches SQL no dialect would take.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlfluff.core import FluffConfig, Linter


@dataclass
class ParseProblem:
    path: Path
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


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
