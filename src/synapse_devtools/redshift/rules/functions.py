"""Function rules: leader-node-only functions, and the PostgreSQL functions
and features Redshift does not support."""

from __future__ import annotations

import re
from collections.abc import Iterator

from sqlglot import exp

from synapse_devtools.redshift.rules.base import (
    Statement,
    _function_names,
    _strip_comments,
    _strip_literals,
    reads_user_tables,
)

# ---------------------------------------------------------------------------
# Functions
# ---------------------------------------------------------------------------

LEADER_NODE_ONLY = frozenset(
    {
        "current_schema",
        "current_schemas",
        "has_database_privilege",
        "has_schema_privilege",
        "has_table_privilege",
        "substr",
        "factorial",
        "age",
        "current_time",
        "current_timestamp",
        "localtime",
        "isfinite",
        "now",
        "getbit",
        "get_bit",
        "get_byte",
        "set_bit",
        "set_byte",
        "to_ascii",
    }
)


_BARE_KEYWORDS = re.compile(
    r"\b(current_timestamp|current_time|current_date|localtime|sysdate)\b(?!\s*\()"
)


def _called_names(statement: Statement) -> set[str]:
    """Functions as spelled in the text (sqlglot renames some: it reads
    getdate() as CURRENT_TIMESTAMP), plus the keyword-style ones."""
    text = _strip_literals(statement.low)
    names = set(re.findall(r"\b([a-z_][a-z0-9_]*)\s*\(", text))
    return names | set(_BARE_KEYWORDS.findall(text))


def check_leader_node_functions(statement: Statement) -> Iterator[str]:
    if not reads_user_tables(statement):
        return
    for name in sorted(_called_names(statement) & LEADER_NODE_ONLY):
        yield f"{name}() runs on the leader node only, and this reads user tables"


UNSUPPORTED_PG_FUNCTIONS = frozenset(
    {
        "generate_series",
        "generate_subscripts",
        "string_agg",
        "array_agg",
        "every",
        "xmlagg",
        "corr",
        "covar_pop",
        "covar_samp",
        "regr_avgx",
        "regr_avgy",
        "regr_count",
        "regr_intercept",
        "regr_r2",
        "regr_slope",
        "regr_sxx",
        "regr_sxy",
        "regr_syy",
        "clock_timestamp",
        "justify_days",
        "justify_hours",
        "justify_interval",
        "pg_sleep",
        "transaction_timestamp",
        "div",
        "setseed",
        "width_bucket",
        "bit_length",
        "overlay",
        "convert_from",
        "convert_to",
        "encode",
        "format",
        "pg_advisory_lock",
        "pg_advisory_xact_lock",
        "pg_try_advisory_lock",
        "pg_advisory_unlock",
        "hashtext",
        "regexp_matches",
        "regexp_split_to_table",
        "regexp_split_to_array",
        "string_to_array",
        "array_to_string",
        "array_length",
        "unnest",
        "to_jsonb",
        "to_json",
        "row_to_json",
        "json_build_object",
        "jsonb_build_object",
        "jsonb_typeof",
        "jsonb_extract_path_text",
        "json_agg",
        "jsonb_agg",
        "obj_description",
        "to_regprocedure",
        "pg_input_is_valid",
    }
)
_SQLGLOT_NAMES = {"arrayagg": "array_agg", "groupconcat": "string_agg"}


def check_unsupported_functions(statement: Statement) -> Iterator[str]:
    names = {_SQLGLOT_NAMES.get(name, name) for name in _function_names(statement)}
    for name in sorted(names & UNSUPPORTED_PG_FUNCTIONS):
        yield f"{name}() is a PostgreSQL function Redshift does not support"


def check_unsupported_features(statement: Statement) -> Iterator[str]:
    for node in statement.nodes(exp.NullSafeEQ, exp.NullSafeNEQ):
        yield f"IS [NOT] DISTINCT FROM: {node.sql('redshift')[:60]}"
    for node in statement.nodes(exp.Array):
        yield f"array constructor: {node.sql('redshift')[:60]}"
    text = _strip_literals(statement.low)
    if re.search(r"\bon\s+conflict\b", text):
        yield "INSERT ... ON CONFLICT (upsert): use MERGE or delete+insert"
    if re.search(r"^(insert|update|delete)\b.*\breturning\b", text):
        yield "RETURNING clause"
    if re.search(r"\b(any|all)\s*\(\s*array\b", text):
        yield "ANY/ALL over an array"


def check_regex_backslashes(statement: Statement) -> Iterator[str]:
    # A pattern literal after ~ / similar to / regexp_*( ... , '...').
    text = _strip_comments(statement.sql)
    pattern = re.compile(
        r"(?:~\*?|\bsimilar\s+to|\bregexp_\w+\s*\([^,()]+,)\s*'((?:[^']|'')*)'",
        re.IGNORECASE,
    )
    for match in pattern.finditer(text):
        literal = match.group(1)
        if re.search(r"(?<!\\)\\(?!\\)", literal):
            yield (
                f"regex literal '{literal[:40]}' has a single backslash: Redshift "
                "reads it as a string escape, so the regex never sees it"
            )
