"""Type and cast rules: Redshift's types, what TEXT and a VARCHAR without a
length mean, what a cast does to longer text, the 65,535-byte limit and
integer ranges."""

from __future__ import annotations

import re
from collections.abc import Iterator

from sqlglot import exp

from synapse_devtools.redshift.rules.base import (
    Statement,
    _strip_literals,
    reads_user_tables,
)

# ---------------------------------------------------------------------------
# Types and casts
# ---------------------------------------------------------------------------

_UNSUPPORTED_TYPES = {
    exp.DataType.Type.JSON: "json",
    exp.DataType.Type.JSONB: "jsonb",
    exp.DataType.Type.UUID: "uuid",
    exp.DataType.Type.MONEY: "money",
    exp.DataType.Type.INET: "inet",
    exp.DataType.Type.XML: "xml",
    exp.DataType.Type.ARRAY: "array",
    exp.DataType.Type.SERIAL: "serial",
    exp.DataType.Type.BIGSERIAL: "bigserial",
}


def check_supported_types(statement: Statement) -> Iterator[str]:
    for node in statement.nodes(exp.DataType):
        name = _UNSUPPORTED_TYPES.get(node.this)
        if name:
            yield f"type {name} does not exist on Redshift"
    if re.search(r"::\s*jsonb?\b|\[\]", _strip_literals(statement.low)):
        yield "PostgreSQL json/jsonb or array type in a cast"


_TEXT_TYPES = (exp.DataType.Type.VARCHAR, exp.DataType.Type.TEXT)
_TEXT_TYPES += (exp.DataType.Type.CHAR, exp.DataType.Type.NCHAR)
_DEFAULT_WIDTH = 256  # TEXT, and VARCHAR with no length, on Redshift


def _known_width(
    node: exp.Expression, statement: Statement, widest: bool = True
) -> int | None:
    """Longest text the expression can hold, when the project declares it:
    null is 0, a literal its own length, a column its declared width (0 when
    it is not text; the widest or the narrowest declaration of that name), a
    cast its target's width. None: unknown."""
    if isinstance(node, exp.Null):
        return 0
    if isinstance(node, exp.Literal):
        return len(node.this.encode()) if node.is_string else 0
    if isinstance(node, exp.Column):
        bounds = statement.column_widths.get(node.name.lower())
        return None if bounds is None else bounds[1 if widest else 0]
    if isinstance(node, exp.Cast | exp.TryCast):
        if node.to.this in _TEXT_TYPES:
            return _type_length(node.to) or _DEFAULT_WIDTH
        return 0
    if isinstance(node, exp.Paren):
        return _known_width(node.this, statement, widest)
    return None


def check_text_lengths(statement: Statement) -> Iterator[str]:
    low = statement.low
    if low.startswith("comment on") or not reads_user_tables(statement):
        return
    for node in statement.nodes(exp.DataType):
        if node.this not in _TEXT_TYPES[:2] or _type_length(node) is not None:
            continue
        if node.this == exp.DataType.Type.VARCHAR and node.expressions:
            continue  # varchar(max)
        parent = node.parent
        if isinstance(parent, exp.ColumnDef) and low.startswith("create"):
            yield f"column {parent.name} is {node.sql('redshift')}: declare its length"
        elif isinstance(parent, exp.Cast | exp.TryCast):
            width = _known_width(parent.this, statement)
            if width is None or width > _DEFAULT_WIDTH:
                yield (
                    f"cast to {_spelled(parent, statement)} is VARCHAR(256) on "
                    f"Redshift and cuts longer text: {parent.sql('redshift')[:90]}"
                )


def _spelled(cast: exp.Expression, statement: Statement) -> str:
    text = cast.sql("postgres").lower()
    return "text" if text.endswith(" as text)") else "varchar"


def check_cast_truncation(statement: Statement) -> Iterator[str]:
    """An explicit cast to a shorter VARCHAR cuts the text without an error."""
    for cast in statement.nodes(exp.Cast, exp.TryCast):
        if cast.to.this not in _TEXT_TYPES:
            continue
        target = _type_length(cast.to)
        if target is None:
            continue
        width = _known_width(cast.this, statement, widest=False)
        if width is not None and width > target:
            yield (
                f"{cast.sql('redshift')[:90]}: a value of up to {width} bytes cut "
                f"to {target}"
            )


def _type_length(node: exp.DataType) -> int | None:
    if not node.expressions:
        return None
    first = node.expressions[0]
    value = first.this if isinstance(first, exp.DataTypeParam) else first
    text = value.sql() if isinstance(value, exp.Expression) else str(value)
    return int(text) if text.isdigit() else None


def check_varchar_limit(statement: Statement) -> Iterator[str]:
    for node in statement.nodes(exp.DataType):
        if node.this in _TEXT_TYPES:
            length = _type_length(node)
            limit = 4096 if node.this in _TEXT_TYPES[2:] else 65535
            if length is not None and length > limit:
                yield f"{node.sql('redshift')} exceeds Redshift's {limit}-byte limit"


_INT_RANGES = {
    exp.DataType.Type.SMALLINT: 2**15,
    exp.DataType.Type.INT: 2**31,
    exp.DataType.Type.BIGINT: 2**63,
}


def check_integer_ranges(statement: Statement) -> Iterator[str]:
    for cast in statement.nodes(exp.Cast):
        bound = _INT_RANGES.get(cast.to.this)
        value = cast.this
        negative = isinstance(value, exp.Neg)
        if negative:
            value = value.this
        if bound and isinstance(value, exp.Literal) and not value.is_string:
            number = int(float(value.this)) * (-1 if negative else 1)
            if not -bound <= number < bound:
                yield f"{number} is outside the range of {cast.to.sql()}"
    for literal in statement.nodes(exp.Literal):
        digits = not literal.is_string and literal.this.isdigit()
        if digits and int(literal.this) >= 2**63:
            yield f"integer literal {literal.this} exceeds BIGINT"
    # dateadd / date_add take a 32-bit INTEGER amount.
    for func in statement.nodes(exp.Func):
        name = func.sql_name().lower()
        if name in ("dateadd", "date_add", "dateadd_"):
            amount = func.args.get("expression")
            numeric = isinstance(amount, exp.Literal) and not amount.is_string
            if numeric and abs(int(float(amount.this))) >= 2**31:
                yield f"dateadd amount {amount.this} exceeds INTEGER"
