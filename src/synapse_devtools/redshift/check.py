"""Redshift check: capture what dbt sends to `prod`, then judge every statement.

    python -m synapse_devtools.redshift.check            # capture + rules + lint
    python -m synapse_devtools.redshift.check --reuse    # judge the last capture

Steps:
1. `capture`: dbt-redshift runs in process against a recording stand-in
   connection (see capture.py); statements go to target/redshift_capture/.
2. The capture must hold every kind of statement production sends.
3. The rules of rules.py judge each distinct statement; the dispatch rule
   reads the project's macro files.
4. sqlfluff's redshift dialect parses each distinct statement, as a lint: it
   accepts much Postgres grammar, so it only catches what no SQL dialect
   would take.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from synapse_devtools.redshift import capture as capture_module
from synapse_devtools.redshift.rules import (
    COMMAND_SYNOPSES,
    RULES,
    Finding,
    Statement,
    check_macros,
    check_statement,
    reads_user_tables,
)

PROJECT_DIR = capture_module.PROJECT_DIR


@dataclass
class Report:
    statements: int
    distinct: int
    findings: list[Finding]
    missing_kinds: list[str]
    lint_problems: list[str]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.rule.severity == "error"]

    @property
    def ok(self) -> bool:
        return not (self.errors or self.missing_kinds or self.lint_problems)


def view_names(records: Sequence[capture_module.Statement]) -> frozenset[str]:
    """schema.name of every relation the capture creates as a plain view."""
    names = set()
    pattern = re.compile(
        r'^create\s+(?:or\s+replace\s+)?view\s+(?:"?\w+"?\.)?"?(\w+)"?\."?(\w+)"?',
        re.IGNORECASE,
    )
    for record in records:
        match = pattern.match(record.sql.strip())
        if match:
            names.add(f"{match.group(1)}.{match.group(2)}".lower())
    return frozenset(names)


def configured_roles(project_dir: Path = PROJECT_DIR) -> frozenset[str]:
    """The role names of the var `column_access_roles`."""
    project = yaml.safe_load((project_dir / "dbt_project.yml").read_text())
    return frozenset((project.get("vars") or {}).get("column_access_roles") or {})


def distinct_statements(
    records: Sequence[capture_module.Statement],
    column_widths: dict[str, int] | None = None,
) -> list[Statement]:
    views = view_names(records)
    widths = column_widths or {}
    roles = configured_roles()
    seen: dict[str, Statement] = {}
    for record in records:
        if record.sql not in seen:
            seen[record.sql] = Statement(
                record.sql,
                kind=record.kind,
                node_id=record.node_id,
                views=views,
                column_widths=widths,
                roles=roles,
            )
    return list(seen.values())


def judge(statements: Sequence[Statement], macro_dir: Path) -> list[Finding]:
    findings: list[Finding] = []
    for statement in statements:
        findings.extend(check_statement(statement))
    findings.extend(check_macros(macro_dir))
    return findings


def sqlfluff_problems(statements: Sequence[Statement]) -> list[str]:
    """Unparsable sections under sqlfluff's redshift dialect (the old check,
    kept as a lint)."""
    from synapse_devtools.redshift.lint import redshift_linter

    linter = redshift_linter()
    problems = []
    for statement in statements:
        parsed = linter.parse_string(statement.sql)
        tree = parsed.tree
        if tree is None:
            problems.append(f"[{statement.node_id}] sqlfluff produced no parse tree")
            continue
        for segment in tree.recursive_crawl("unparsable"):
            snippet = segment.raw.strip().splitlines()[0][:80] if segment.raw else ""
            problems.append(
                f"[{statement.node_id or statement.kind}] sqlfluff: unparsable "
                f"at {segment.pos_marker.line_no}:{segment.pos_marker.line_pos}: "
                f"{snippet!r}"
            )
    return problems


LINT_MAX_CHARS = 1500


def _opaque_to_sqlfluff(statement: Statement) -> bool:
    """Statements the lint leaves out: Redshift-only ones sqlfluff's dialect
    lacks (rule RS001 matches them against their documented synopsis), and
    dbt-redshift's own catalog queries (they read only system tables and use
    Redshift spellings sqlfluff refuses, e.g. `as column`)."""
    if statement.low.startswith(tuple(COMMAND_SYNOPSES)):
        return True
    select = statement.low.startswith(("select", "with"))
    return select and not reads_user_tables(statement)


def lint_sample(
    statements: Sequence[Statement], per_kind: int | None = None
) -> list[Statement]:
    """The statements sqlfluff parses: the short, hand-written ones (hooks,
    grants, masking policies, run-operation steps, DDL around the models),
    one per shape (names replaced), or `per_kind` per kind of statement.
    Model SELECTs are left to sqlglot: sqlfluff takes ~10 s for each."""
    shapes: dict[tuple[str, str], Statement] = {}
    for statement in statements:
        if len(statement.sql) >= LINT_MAX_CHARS or _opaque_to_sqlfluff(statement):
            continue
        shape = re.sub(r'"[^"]*"|\b\w+__\w+\b|\b\d+\b', "x", statement.sql)
        shapes.setdefault((statement.kind, shape), statement)
    sample = list(shapes.values())
    if per_kind is None:
        return sample
    taken: Counter[str] = Counter()
    chosen = []
    for statement in sample:
        if taken[statement.kind] < per_kind:
            taken[statement.kind] += 1
            chosen.append(statement)
    return chosen


def run_check(
    records: Sequence[capture_module.Statement],
    macro_dir: Path = PROJECT_DIR / "macros",
    lint: bool = True,
    capture_dir: Path = capture_module.CAPTURE_DIR,
) -> Report:
    statements = distinct_statements(records, capture_module.load_widths(capture_dir))
    return Report(
        statements=len(records),
        distinct=len(statements),
        findings=judge(statements, macro_dir),
        missing_kinds=capture_module.missing_kinds(records),
        lint_problems=sqlfluff_problems(lint_sample(statements)) if lint else [],
    )


def print_report(report: Report) -> None:
    for finding in report.findings:
        print(finding)
    for kind in report.missing_kinds:
        print(f"capture: no statement of kind {kind!r} was captured")
    for problem in report.lint_problems:
        print(problem)
    by_rule = Counter(f.rule.code for f in report.findings)
    print(
        f"{report.statements} statements captured ({report.distinct} distinct), "
        f"{len(RULES)} rules: {len(report.errors)} errors, "
        f"{len(report.findings) - len(report.errors)} warnings"
        + (f" ({dict(sorted(by_rule.items()))})" if by_rule else "")
        + f", {len(report.missing_kinds)} missing kinds, "
        f"{len(report.lint_problems)} sqlfluff problems"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="judge the statements of the last capture instead of capturing",
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=capture_module.CAPTURE_DIR,
        help="capture directory (default: target/redshift_capture)",
    )
    parser.add_argument("--no-lint", action="store_true", help="skip sqlfluff")
    args = parser.parse_args(argv)
    if args.reuse:
        records = capture_module.load_capture(args.out)
    else:
        print("==> capturing what dbt sends to Redshift (target prod) ...", flush=True)
        records = capture_module.capture(args.out)
    print(
        f"==> judging {len(records)} statements against {len(RULES)} rules", flush=True
    )
    report = run_check(records, lint=not args.no_lint, capture_dir=args.out)
    print_report(report)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
