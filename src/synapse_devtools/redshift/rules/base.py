"""The rules' common ground: a parsed statement, a rule, a finding, and
the text helpers every category of rule uses."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

logging.getLogger("sqlglot").setLevel(logging.ERROR)

DOCS = "https://docs.aws.amazon.com/redshift/latest/dg/"


@dataclass
class Statement:
    """One statement to judge, parsed once."""

    sql: str
    kind: str = ""
    node_id: str = ""
    # Relations the capture knows to be views (a materialized view may not
    # read them).
    views: frozenset[str] = frozenset()
    # Column name -> (narrowest, widest) declared text width (0: not text).
    column_widths: dict[str, tuple[int, int]] = field(default_factory=dict)
    # The roles of the var `column_access_roles`: a REVOKE naming one of
    # them without ROLE would revoke from a user of that name instead.
    roles: frozenset[str] = frozenset()
    _tree: exp.Expression | None = field(default=None, repr=False)
    _error: str | None = field(default=None, repr=False)
    _parsed: bool = field(default=False, repr=False)

    @property
    def low(self) -> str:
        return " ".join(_strip_comments(self.sql).lower().split())

    def parse(self) -> exp.Expression | None:
        if not self._parsed:
            self._parsed = True
            try:
                trees = [t for t in sqlglot.parse(self.sql, read="redshift") if t]
                self._tree = trees[0] if len(trees) == 1 else None
                if len(trees) != 1:
                    self._error = f"{len(trees)} statements in one"
            except SqlglotError as error:
                self._error = str(error).splitlines()[0]
        return self._tree

    @property
    def parse_error(self) -> str | None:
        self.parse()
        return self._error

    @property
    def is_command(self) -> bool:
        """sqlglot kept the statement as an opaque command."""
        return isinstance(self.parse(), exp.Command)

    def nodes(self, *types: type[exp.Expression]) -> Iterator[exp.Expression]:
        tree = self.parse()
        if tree is not None and not isinstance(tree, exp.Command):
            yield from tree.find_all(*types)


@dataclass(frozen=True)
class Rule:
    code: str
    title: str
    url: str
    fixture: str
    check: Callable[[Statement], Iterable[str]]
    severity: str = "error"
    # "statement" rules judge captured SQL; "macros" rules judge macro files.
    scope: str = "statement"


@dataclass(frozen=True)
class Finding:
    rule: Rule
    message: str
    statement: Statement | None = None
    where: str = ""

    def __str__(self) -> str:
        where = self.where or (self.statement.node_id if self.statement else "")
        return (
            f"{self.rule.code} {self.rule.severity} [{where or 'statement'}] "
            f"{self.message}\n    rule: {self.rule.title} ({self.rule.url})"
        )


def _strip_comments(sql: str) -> str:
    sql = re.sub(r"/\*.*?\*/", " ", sql, flags=re.DOTALL)
    return re.sub(r"--[^\n]*", " ", sql)


def _strip_literals(low: str) -> str:
    low = re.sub(r"\$([a-z_]*)\$.*?\$\1\$", "''", low, flags=re.DOTALL)
    return re.sub(r"'(?:[^']|'')*'", "''", low)


def _function_names(statement: Statement) -> set[str]:
    names = set()
    for node in statement.nodes(exp.Func):
        if isinstance(node, exp.Anonymous):
            names.add(str(node.this).lower())
        else:
            names.add(node.sql_name().lower())
    # Function calls sqlglot does not know, spelled out in the text.
    text = _strip_literals(statement.low)
    names |= set(re.findall(r"\b([a-z_][a-z0-9_]*)\s*\(", text))
    return names


def reads_user_tables(statement: Statement) -> bool:
    system = ("pg_", "stv_", "stl_", "svl_", "svv_", "sys_")
    for table in statement.nodes(exp.Table):
        name, db = table.name.lower(), (table.db or "").lower()
        catalog = db in ("pg_catalog", "information_schema")
        if name and not catalog and not name.startswith(system):
            return True
    return False
