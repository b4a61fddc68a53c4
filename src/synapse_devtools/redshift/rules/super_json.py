"""SUPER and JSON rules: the functions that raise on bad input instead of
returning null, and the width of text extracted from JSON."""

from __future__ import annotations

import re
from collections.abc import Iterator

from sqlglot import exp

from synapse_devtools.redshift.rules.base import (
    Statement,
    _strip_comments,
)
from synapse_devtools.redshift.rules.casts import _TEXT_TYPES, _type_length

# ---------------------------------------------------------------------------
# SUPER and JSON functions
# ---------------------------------------------------------------------------


def _guarded_by_is_valid_json(node: exp.Expression, argument: str) -> bool:
    """True when node sits in a CASE branch whose condition tests
    is_valid_json(<same argument>)."""
    child, parent = node, node.parent
    while parent is not None:
        if isinstance(parent, exp.If) and parent.args.get("true") is child:
            condition = parent.this.sql("redshift").lower()
            if f"is_valid_json({argument})" in condition.replace(" ", ""):
                return True
        child, parent = parent, parent.parent
    return False


def _anonymous(statement: Statement, name: str) -> Iterator[exp.Expression]:
    for func in statement.nodes(exp.Func):
        func_name = (
            str(func.this).lower()
            if isinstance(func, exp.Anonymous)
            else func.sql_name().lower()
        )
        if func_name == name or (name == "json_parse" and func_name == "parse_json"):
            yield func


def check_json_parse(statement: Statement) -> Iterator[str]:
    for func in _anonymous(statement, "json_parse"):
        arguments = func.expressions or [func.this]
        argument = arguments[0].sql("redshift").lower().replace(" ", "")
        if not _guarded_by_is_valid_json(func, argument):
            yield (
                f"json_parse({argument}) raises on invalid JSON: guard it with "
                f"case when is_valid_json({argument}) then ..."
            )


def check_json_extract(statement: Statement) -> Iterator[str]:
    text = _strip_comments(statement.sql).lower()
    for name in ("json_extract_path_text", "json_extract_array_element_text"):
        for match in re.finditer(rf"\b{name}\s*\(", text):
            depth, end = 1, match.end()
            while depth and end < len(text):
                depth += {"(": 1, ")": -1}.get(text[end], 0)
                end += 1
            arguments = text[match.end() : end - 1]
            if not re.search(r",\s*true\s*$", arguments):
                yield f"{name}() raises on invalid JSON unless null_if_invalid is true"


# ---------------------------------------------------------------------------
# Width of text extracted from JSON
# ---------------------------------------------------------------------------

_JSON_TEXT_FUNCTIONS = frozenset(
    {"json_serialize", "json_extract_path_text", "json_extract_array_element_text"}
)


def _func_name(node: exp.Expression) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.this).lower()
    return node.sql_name().lower() if isinstance(node, exp.Func) else ""


def _unparen(node: exp.Expression) -> exp.Expression:
    while isinstance(node, exp.Paren):
        node = node.this
    return node


def _branches(case: exp.Case) -> list[exp.Expression]:
    values = [branch.args.get("true") for branch in case.args.get("ifs") or []]
    values.append(case.args.get("default"))
    return [v for v in values if v is not None and not isinstance(v, exp.Null)]


def _declares_width(node: exp.Expression) -> bool:
    """The value is text cast to an explicit varchar(n) (every branch of a
    CASE is, or is null)."""
    node = _unparen(node)
    if isinstance(node, exp.Cast | exp.TryCast):
        return node.to.this in _TEXT_TYPES and _type_length(node.to) is not None
    if isinstance(node, exp.Case):
        branches = _branches(node)
        return bool(branches) and all(_declares_width(b) for b in branches)
    return False


def _is_json_text(node: exp.Expression, json_names: set[str], supers: set[str]) -> bool:
    """The value is text read out of JSON: a JSON text function, a SUPER
    member cast to text, or a column named after such a value (through
    CASE and COALESCE branches)."""
    node = _unparen(node)
    extracted = isinstance(node, exp.JSONExtract | exp.JSONExtractScalar)
    if extracted or _func_name(node) in _JSON_TEXT_FUNCTIONS:
        return True
    if isinstance(node, exp.Cast | exp.TryCast):
        if node.to.this not in _TEXT_TYPES:
            return False
        inner = _unparen(node.this)
        if isinstance(inner, exp.Dot) or (
            isinstance(inner, exp.Column) and inner.table.lower() in supers
        ):
            return True
        return _is_json_text(inner, json_names, supers)
    if isinstance(node, exp.Case):
        return any(_is_json_text(b, json_names, supers) for b in _branches(node))
    if isinstance(node, exp.Coalesce):
        parts = [node.this, *node.expressions]
        return any(_is_json_text(p, json_names, supers) for p in parts)
    if isinstance(node, exp.Column):
        return node.name.lower() in json_names
    return False


def _select_aliases(tree: exp.Expression) -> list[tuple[str, exp.Expression]]:
    return [
        (alias.alias.lower(), alias.this)
        for alias in tree.find_all(exp.Alias)
        if isinstance(alias.parent, exp.Select)
    ]


def _output_names(query: exp.Expression, ctes: dict[str, exp.Expression]) -> set[str]:
    """Column names a query returns, following `select *` into its CTEs."""
    query = _unparen(query)
    if isinstance(query, exp.Subquery):
        query = query.this
    if isinstance(query, exp.SetOperation):
        return _output_names(query.left, ctes)
    if not isinstance(query, exp.Select):
        return set()
    names: set[str] = set()
    for projection in query.expressions:
        if isinstance(projection, exp.Star) or (
            isinstance(projection, exp.Column) and isinstance(projection.this, exp.Star)
        ):
            source = query.args.get("from") or query.args.get("from_")
            table = source.this if source is not None else None
            inner = ctes.pop(table.name.lower(), None) if table is not None else None
            if isinstance(table, exp.Table) and inner is not None:
                names |= _output_names(inner, ctes)
        else:
            names.add(projection.alias_or_name.lower())
    return names


def check_json_text_width(statement: Statement) -> Iterator[str]:
    """A table or view column holding text read from JSON is cast to an
    explicit varchar(n): otherwise Redshift stores it as VARCHAR(256) (TEXT,
    a bare VARCHAR) or at whatever width the extraction happened to give."""
    tree = statement.parse()
    if not isinstance(tree, exp.Create) or tree.expression is None:
        return
    if str(tree.args.get("kind", "")).upper() not in ("TABLE", "VIEW"):
        return
    aliases = _select_aliases(tree)
    # Aliases of parsed JSON (SUPER values): their members are JSON.
    parsers = ("json_parse", "parse_json")
    supers = {
        name
        for name, value in aliases
        if any(_func_name(f) in parsers for f in value.find_all(exp.Func))
    }
    declared = {name for name, value in aliases if _declares_width(value)}
    json_names: set[str] = set()
    grown = True
    while grown:
        grown = False
        for name, value in aliases:
            if name in json_names or _declares_width(value):
                continue
            if _is_json_text(value, json_names, supers):
                json_names.add(name)
                grown = True
    ctes = {cte.alias.lower(): cte.this for cte in tree.find_all(exp.CTE)}
    outputs = _output_names(tree.expression, ctes)
    for name in sorted((outputs & json_names) - declared):
        yield (
            f"column {name} holds text extracted from JSON without an explicit "
            "width: cast it to varchar(n) (and quarantine longer values)"
        )
