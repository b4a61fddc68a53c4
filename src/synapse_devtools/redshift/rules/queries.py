"""Query-shape rules: the correlated subqueries Redshift supports, and the
dispatch fall-through of macros (a postgres__ variant is what Redshift
runs when no redshift__ one exists)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.scope import Scope, traverse_scope

from synapse_devtools.redshift.rules.base import (
    Statement,
)

# ---------------------------------------------------------------------------
# Correlated subqueries
# ---------------------------------------------------------------------------


def _external_tables(scope: Scope) -> set[str]:
    return {c.table.lower() for c in scope.external_columns if c.table}


def _own_sources(scope: Scope) -> set[str]:
    return {name.lower() for name in scope.sources}


def check_correlated_subqueries(statement: Statement) -> Iterator[str]:
    tree = statement.parse()
    if tree is None or isinstance(tree, exp.Command):
        return
    try:
        scopes = list(traverse_scope(tree))
    except SqlglotError:
        return
    for scope in scopes:
        if not scope.is_subquery:
            continue
        outer = _external_tables(scope)
        if not outer:
            continue
        parent = scope.parent
        if parent is not None:
            skipped = outer - _own_sources(parent)
            if skipped and any(
                skipped & _own_sources(s) for s in _ancestors(parent.parent)
            ):
                yield f"skip-level correlation to {', '.join(sorted(skipped))}"
        if any(True for _ in scope.expression.find_all(exp.Window)):
            yield "correlated subquery containing a window function"
        node = scope.expression
        while node is not None:
            if isinstance(node.parent, exp.Join) and node.arg_key == "on":
                yield "correlated subquery inside a JOIN's ON clause"
                break
            node = node.parent


def _ancestors(scope: Scope | None) -> Iterator[Scope]:
    while scope is not None:
        yield scope
        scope = scope.parent


# ---------------------------------------------------------------------------
# Dispatch fall-through (macro files)
# ---------------------------------------------------------------------------

_MACRO = re.compile(r"\{%-?\s*macro\s+([a-z0-9_]+)\s*\(", re.IGNORECASE)
_DISPATCH = re.compile(r"adapter\.dispatch\(\s*['\"]([a-z0-9_]+)['\"]")


def dispatch_findings(macro_text: str) -> Iterator[str]:
    """A macro dispatched with a postgres__ variant but no redshift__ one:
    dbt-redshift searches redshift__, then postgres__, then default__, so
    Redshift silently runs the Postgres SQL."""
    defined = {name.lower() for name in _MACRO.findall(macro_text)}
    for name in sorted(set(_DISPATCH.findall(macro_text))):
        if f"postgres__{name}" in defined and f"redshift__{name}" not in defined:
            yield (
                f"{name}: postgres__{name} exists and redshift__{name} does not, "
                "so Redshift runs the Postgres variant"
            )


def check_dispatch(macro_text: str) -> Iterator[str]:
    return dispatch_findings(macro_text)
