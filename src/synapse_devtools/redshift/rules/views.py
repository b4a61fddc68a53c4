"""Materialized-view rules: what a definition may hold, and what rules out
incremental (auto) refresh."""

from __future__ import annotations

from collections.abc import Iterator

from sqlglot import exp

from synapse_devtools.redshift.rules.base import (
    Statement,
)
from synapse_devtools.redshift.rules.functions import _called_names

# ---------------------------------------------------------------------------
# Materialized views
# ---------------------------------------------------------------------------

_MUTABLE = {"getdate", "sysdate", "random", "timeofday", "current_date"}
_MUTABLE |= {"current_timestamp", "now"}


def _mv_query(statement: Statement) -> exp.Expression | None:
    low = statement.low
    if not low.startswith("create materialized view"):
        return None
    tree = statement.parse()
    if isinstance(tree, exp.Create):
        return tree.expression
    return None


def check_mv_definition(statement: Statement) -> Iterator[str]:
    query = _mv_query(statement)
    if query is None:
        return
    for name in sorted(_called_names(statement) & _MUTABLE):
        yield f"{name}() is mutable: a materialized view cannot use it"
    if isinstance(query, exp.Query):
        if query.args.get("order") is not None:
            yield "ORDER BY in a materialized view definition"
        if query.args.get("limit") is not None or query.args.get("offset"):
            yield "LIMIT / OFFSET in a materialized view definition"
    for table in query.find_all(exp.Table):
        qualified = ".".join(p for p in (table.db, table.name) if p).lower()
        if qualified in statement.views or table.name.lower().startswith(
            ("stl_", "stv_")
        ):
            yield f"reads {qualified}, a view or system table"


def check_mv_incremental(statement: Statement) -> Iterator[str]:
    query = _mv_query(statement)
    if query is None or "auto refresh yes" not in statement.low:
        return
    reasons = set()
    for join in query.find_all(exp.Join):
        side = (join.side or "").lower()
        if side in ("left", "right", "full") or (join.kind or "").lower() == "cross":
            reasons.add(f"{side or join.kind.lower()} join")
    if any(True for _ in query.find_all(exp.Window)):
        reasons.add("window functions")
    for count in query.find_all(exp.Count):
        if isinstance(count.this, exp.Distinct):
            reasons.add("count(distinct)")
    for node in query.find_all(exp.PercentileCont, exp.Median, exp.GroupConcat):
        reasons.add(node.sql_name().lower())
    if any(isinstance(s.this, exp.Query) for s in query.find_all(exp.Subquery)):
        reasons.add("subqueries")
    if reasons:
        yield (
            "auto refresh recomputes the whole view (no incremental refresh for "
            + ", ".join(sorted(reasons))
            + ")"
        )
