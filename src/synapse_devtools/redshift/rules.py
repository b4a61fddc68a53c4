"""Redshift conformance rules for the statements dbt sends to `prod`.

Each rule names the page of the Amazon Redshift Database Developer Guide it
comes from and carries a fixture: a statement (or, for the dispatch rule, a
macro file) that breaks it. `pytests/project/test_redshift_check.py` proves that every
rule reports its fixture and that the captured project reports nothing.

Syntax trees come from sqlglot's `redshift` dialect. sqlglot parses more than
Redshift accepts (it is a transpiler), so the rules look for the constructs
Redshift rejects instead of trusting a successful parse; statements sqlglot
does not model (masking policies, ALTER MATERIALIZED VIEW, LOCK) are matched
against the synopsis on their documentation page.

Severity `error` fails the check; `warning` is reported only (it changes
cost, not results).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.scope import Scope, traverse_scope

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


# ---------------------------------------------------------------------------
# Grammar
# ---------------------------------------------------------------------------

# Redshift-only statements sqlglot keeps as opaque commands, with the synopsis
# of their documentation page as a pattern.
_IDENT = r'(?:"[^"]+"|[a-z_][a-z0-9_$]*)'
_NAME = rf"{_IDENT}(?:\.{_IDENT}){{0,2}}"
_GRANTEE = rf"(?:role\s+{_IDENT}|public|{_IDENT})"
COMMAND_SYNOPSES: dict[str, tuple[str, str]] = {
    "create masking policy": (
        rf"^create masking policy {_IDENT}( if not exists)?"
        rf" with \(.+\) using \(.+\)$",
        DOCS + "r_CREATE_MASKING_POLICY.html",
    ),
    "attach masking policy": (
        rf"^attach masking policy {_IDENT} on {_NAME} ?\([^()]+\)"
        rf"( using \([^()]+\))? to {_GRANTEE}( priority \d+)?$",
        DOCS + "r_ATTACH_MASKING_POLICY.html",
    ),
    "alter materialized view": (
        rf"^alter materialized view {_NAME} (auto refresh (yes|no)"
        rf"|alter diststyle (all|even|auto|key distkey {_IDENT})"
        rf"|alter (compound )?sortkey (\([^()]+\)|auto|none)|rename to {_IDENT})$",
        DOCS + "r_ALTER_MATERIALIZED_VIEW.html",
    ),
    "lock": (
        rf"^lock( table)? {_NAME}(, ?{_NAME})*$",
        DOCS + "r_LOCK.html",
    ),
}


def check_parses(statement: Statement) -> Iterator[str]:
    low = statement.low.rstrip(";").strip()
    for prefix, (pattern, url) in COMMAND_SYNOPSES.items():
        if low.startswith(prefix):
            if not re.match(pattern, low):
                yield f"does not match the synopsis of {url}: {low[:120]}"
            return
    error = statement.parse_error
    if error:
        yield f"does not parse under the redshift dialect: {error}"
    # Other opaque commands (DO blocks ...) are judged by their own rules.


def check_named_window(statement: Statement) -> Iterator[str]:
    for select in statement.nodes(exp.Select):
        for window in select.args.get("windows") or []:
            yield f"named WINDOW clause `{window.alias_or_name}`: write OVER (...)"


def check_filter_clause(statement: Statement) -> Iterator[str]:
    for node in statement.nodes(exp.Filter):
        yield f"aggregate FILTER (WHERE ...): {node.sql('redshift')[:80]}"


_RANKING = (
    exp.RowNumber,
    exp.Rank,
    exp.DenseRank,
    exp.PercentRank,
    exp.CumeDist,
    exp.Ntile,
    exp.Lead,
    exp.Lag,
)
_RANKING_NAMES = {"row_number", "rank", "dense_rank", "percent_rank", "cume_dist"}
_RANKING_NAMES |= {"ntile", "lead", "lag"}


def _window_function(window: exp.Window) -> exp.Expression:
    inner = window.this
    while isinstance(inner, exp.IgnoreNulls | exp.RespectNulls | exp.Filter):
        inner = inner.this
    return inner


def check_over_clause(statement: Statement) -> Iterator[str]:
    for window in statement.nodes(exp.Window):
        parent = window.parent
        if isinstance(parent, exp.Select) and window in (
            parent.args.get("windows") or []
        ):
            continue
        function = _window_function(window)
        name = (
            str(function.this).lower()
            if isinstance(function, exp.Anonymous)
            else function.sql_name().lower()
        )
        spec = window.args.get("spec")
        ordered = window.args.get("order") is not None
        ranking = isinstance(function, _RANKING) or name in _RANKING_NAMES
        text = window.sql("redshift")[:90]
        if spec is not None and str(spec.args.get("kind", "")).lower() != "rows":
            yield f"only ROWS frames exist on Redshift: {text}"
        if ranking and spec is not None:
            yield f"{name} takes no frame clause: {text}"
        if not ranking and ordered and spec is None:
            yield f"{name} with ORDER BY needs an explicit ROWS frame: {text}"


def _grantees(low: str) -> list[str]:
    match = re.search(r"\b(?:to|from)\s+(.+?)(?:\s+with\s+grant\s+option)?$", low)
    if not match:
        return []
    return [part.strip() for part in match.group(1).split(",")]


def check_grant_grantee(statement: Statement) -> Iterator[str]:
    low = _strip_literals(statement.low.rstrip(";"))
    if not re.match(r"^(grant|revoke)\b", low):
        return
    for grantee in _grantees(low):
        if not re.match(r"^(role|group)\s+\S+$|^public$", grantee):
            yield (
                f"grantee `{grantee}` without ROLE: Redshift reads a bare name "
                'as a user; write `role "name"`'
            )


_PG_TABLE_OPTIONS = (
    (r"^create\s+(global\s+|local\s+)?unlogged\s+table", "UNLOGGED"),
    (r"\btablespace\b", "TABLESPACE"),
    (r"\binherits\s*\(", "INHERITS"),
    (r"\bpartition\s+by\s+(range|list|hash)\b", "PARTITION BY"),
    (r"\bon\s+commit\s+(drop|delete\s+rows|preserve\s+rows)\b", "ON COMMIT"),
    (r"\)\s*with\s*\(\s*[a-z_]+\s*=", "WITH (storage parameters)"),
    (r"^create\s+table\s+if\s+not\s+exists\s+\S+\s+partition\s+of\b", "PARTITION OF"),
    (r"\bdiststyle\s+(?!auto\b|even\b|key\b|all\b)[a-z]+", "unknown DISTSTYLE"),
)


def check_create_table(statement: Statement) -> Iterator[str]:
    low = _strip_literals(statement.low)
    if not re.match(r"^create\s+(\w+\s+)*table\b", low):
        return
    header = low.split(" as ", 1)[0] if " as " in low else low
    for pattern, name in _PG_TABLE_OPTIONS:
        if re.search(pattern, header):
            yield f"CREATE TABLE option {name} does not exist on Redshift"
    if re.search(r"\binterleaved\s+sortkey\s*\(([^)]*)\)", header):
        columns = re.search(r"\binterleaved\s+sortkey\s*\(([^)]*)\)", header)
        if columns and columns.group(1).count(",") >= 8:
            yield "an INTERLEAVED SORTKEY takes at most 8 columns"


def check_create_view(statement: Statement) -> Iterator[str]:
    low = _strip_literals(statement.low)
    if not re.match(
        r"^create\s+(or\s+replace\s+)?(temp\w*\s+|recursive\s+)?view\b", low
    ):
        return
    if re.match(r"^create\s+(or\s+replace\s+)?(temp\w*|recursive)\s+view", low):
        yield "Redshift has no temporary or recursive views"
    if re.search(r"\bwith\s+(local\s+|cascaded\s+)?check\s+option\b", low):
        yield "Redshift views have no WITH CHECK OPTION"
    if re.match(r"^create\s+(or\s+replace\s+)?view\s+\S+\s+with\s*\(", low):
        yield "Redshift views take no WITH (options)"


_MV_HEADER = re.compile(
    rf"^create materialized view {_NAME}"
    r"( backup (yes|no))?"
    r"( diststyle (even|all|key|auto))?"
    rf"( distkey ?\( ?{_IDENT} ?\))?"
    r"( (compound |interleaved )?sortkey ?\([^()]+\)| sortkey auto)?"
    r"( auto refresh (yes|no))?"
    r" as[ (]"
)


def check_create_materialized_view(statement: Statement) -> Iterator[str]:
    low = statement.low
    if not low.startswith("create") or "materialized view" not in low[:40]:
        return
    if not _MV_HEADER.match(low):
        yield f"CREATE MATERIALIZED VIEW header off the synopsis: {low[:140]}"
    if re.search(r"\bwith\s+(no\s+)?data\s*;?\s*$", low):
        yield "Redshift has no WITH [NO] DATA"


def check_masking_policy(statement: Statement) -> Iterator[str]:
    low = statement.low.rstrip(";")
    for prefix in ("create masking policy", "attach masking policy"):
        if low.startswith(prefix):
            pattern, url = COMMAND_SYNOPSES[prefix]
            if not re.match(pattern, low):
                yield f"{prefix.upper()} off the synopsis of {url}"
            elif prefix.startswith("attach"):
                grantee = re.search(r" to (\S+( \S+)?)( priority \d+)?$", low)
                target = grantee.group(1) if grantee else ""
                if not re.match(r"^(role \S+|public)$", target):
                    yield f"masking policy attached to `{target}`: a role needs ROLE"


# ---------------------------------------------------------------------------
# Procedural code
# ---------------------------------------------------------------------------


def check_do_block(statement: Statement) -> Iterator[str]:
    if re.match(r"^do\s*(\$|')", statement.low):
        yield "DO block (PL/pgSQL): Redshift has no DO statement"


def check_function_language(statement: Statement) -> Iterator[str]:
    low = statement.low
    if not re.match(r"^create\s+(or\s+replace\s+)?function\b", low):
        return
    language = re.search(r"\blanguage\s+([a-z0-9_]+)", low)
    if not language or language.group(1) not in ("sql", "plpythonu"):
        found = language.group(1) if language else "none"
        yield f"CREATE FUNCTION language {found}: Redshift UDFs are SQL (or Python)"
    if re.search(r"\bparallel\s+(safe|unsafe|restricted)\b", low):
        yield "Redshift UDFs take no PARALLEL marking"


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


# ---------------------------------------------------------------------------
# The rule book
# ---------------------------------------------------------------------------

RULES: tuple[Rule, ...] = (
    Rule(
        "RS001",
        "statement parses under the redshift dialect (Redshift-only commands "
        "match their documented synopsis)",
        DOCS + "c_SQL_commands.html",
        "select a from t where; attach masking policy p on t (c) to",
        check_parses,
    ),
    Rule(
        "RS002",
        "SELECT has no named WINDOW clause",
        DOCS + "r_SELECT_synopsis.html",
        "select sum(a) over w from t window w as (partition by b)",
        check_named_window,
    ),
    Rule(
        "RS003",
        "aggregates take no FILTER (WHERE ...) clause",
        DOCS + "c_Aggregate_Functions.html",
        "select count(*) filter (where a > 1) from t",
        check_filter_clause,
    ),
    Rule(
        "RS004",
        "OVER clause: ROWS frames only, explicit frame for ordered aggregate "
        "and value functions, no frame for ranking functions",
        DOCS + "r_Window_function_synopsis.html",
        "select sum(a) over (partition by b order by c) from t",
        check_over_clause,
    ),
    Rule(
        "RS005",
        "GRANT / REVOKE name a role with the ROLE keyword",
        DOCS + "r_GRANT.html",
        'grant select (a) on s.t to "analyst"',
        check_grant_grantee,
    ),
    Rule(
        "RS006",
        "CREATE TABLE uses only Redshift table attributes",
        DOCS + "r_CREATE_TABLE_NEW.html",
        "create unlogged table t (a integer) with (fillfactor = 70)",
        check_create_table,
    ),
    Rule(
        "RS007",
        "CREATE VIEW has no temporary/recursive form, options or check option",
        DOCS + "r_CREATE_VIEW.html",
        "create view v as select a from t with local check option",
        check_create_view,
    ),
    Rule(
        "RS008",
        "CREATE MATERIALIZED VIEW follows its synopsis (no OR REPLACE, IF NOT "
        "EXISTS, WITH DATA)",
        DOCS + "materialized-view-create-sql-command.html",
        "create materialized view if not exists mv as select a from t with no data",
        check_create_materialized_view,
    ),
    Rule(
        "RS009",
        "masking policies: CREATE / ATTACH MASKING POLICY synopsis, roles with ROLE",
        DOCS + "r_ATTACH_MASKING_POLICY.html",
        'attach masking policy p on s.t(c) to "analyst" priority 10',
        check_masking_policy,
    ),
    Rule(
        "RS010",
        "no DO blocks (Redshift has no anonymous PL/pgSQL)",
        DOCS + "c_SQL_commands.html",
        "do $$ begin perform pg_advisory_xact_lock(1); end $$",
        check_do_block,
    ),
    Rule(
        "RS011",
        "user-defined functions are LANGUAGE sql (or plpythonu), unmarked",
        DOCS + "r_CREATE_FUNCTION.html",
        "create or replace function f(x text) returns text language plpgsql "
        "immutable parallel safe as $f$ begin return x; end $f$",
        check_function_language,
    ),
    Rule(
        "RS012",
        "no leader-node-only functions in statements that read user tables",
        DOCS + "c_SQL_functions_leader_node_only.html",
        "select now() as at, substr(a, 1, 2) from s.t",
        check_leader_node_functions,
    ),
    Rule(
        "RS013",
        "no PostgreSQL functions that Redshift does not support",
        DOCS + "c_unsupported-postgresql-functions.html",
        "select generate_series(1, 3), string_agg(a, ',') from t",
        check_unsupported_functions,
    ),
    Rule(
        "RS014",
        "no PostgreSQL features Redshift lacks (IS DISTINCT FROM, arrays, "
        "ON CONFLICT, RETURNING)",
        DOCS + "c_unsupported-postgresql-features.html",
        "insert into t select a from s where a is distinct from array[1] "
        "on conflict do nothing",
        check_unsupported_features,
    ),
    Rule(
        "RS015",
        "regex literals double their backslashes (Redshift literals read escapes)",
        DOCS + "pattern-matching-conditions-posix.html",
        r"select a ~ '^[0-9]+\.[0-9]+$' from t",
        check_regex_backslashes,
    ),
    Rule(
        "RS016",
        "only Redshift data types (no json, jsonb, uuid, arrays, serial ...)",
        DOCS + "c_Supported_data_types.html",
        "select cast(payload as jsonb) as j from t",
        check_supported_types,
    ),
    Rule(
        "RS017",
        "text columns and casts declare their length (TEXT and VARCHAR mean "
        "VARCHAR(256); longer values fail or are cut)",
        DOCS + "r_Character_types.html",
        "create table s.t (a text, b varchar); select cast(c as varchar) from s.t",
        check_text_lengths,
    ),
    Rule(
        "RS018",
        "VARCHAR at most 65535 bytes, CHAR at most 4096",
        DOCS + "r_Character_types.html",
        "select cast(a as varchar(100000)) from t",
        check_varchar_limit,
    ),
    Rule(
        "RS026",
        "no cast of longer text to a shorter VARCHAR (Redshift cuts it silently)",
        DOCS + "r_CAST_function.html",
        "select cast('a longer text' as varchar(4)) as a from s.t",
        check_cast_truncation,
    ),
    Rule(
        "RS019",
        "integer values within their type's range (dateadd takes an INTEGER)",
        DOCS + "r_Numeric_types201.html",
        "select cast(3000000000 as integer), dateadd(ms, 1772355600000, d) from t",
        check_integer_ranges,
    ),
    Rule(
        "RS020",
        "materialized view definitions: no mutable functions, ORDER BY, LIMIT, "
        "views or system tables",
        DOCS + "materialized-view-create-sql-command.html",
        "create materialized view mv auto refresh yes as "
        "select getdate() as at, a from t order by a",
        check_mv_definition,
    ),
    Rule(
        "RS021",
        "auto-refreshed materialized views: constructs that rule out "
        "incremental refresh",
        DOCS + "materialized-view-refresh.html",
        "create materialized view mv auto refresh yes as "
        "select count(distinct a) as n from t left join u on t.k = u.k",
        check_mv_incremental,
        severity="warning",
    ),
    Rule(
        "RS022",
        "json_parse only on text already tested by is_valid_json",
        DOCS + "JSON_PARSE.html",
        "select json_parse(payload) as p from t",
        check_json_parse,
    ),
    Rule(
        "RS023",
        "json_extract_path_text / json_extract_array_element_text pass "
        "null_if_invalid = true",
        DOCS + "JSON_EXTRACT_PATH_TEXT.html",
        "select json_extract_path_text(payload, 'a') from t",
        check_json_extract,
    ),
    Rule(
        "RS024",
        "correlated subqueries in supported patterns only (no skip-level, "
        "ON-clause or windowed correlation)",
        DOCS + "r_correlated_subqueries.html",
        "select * from category left join event on category.catid = event.catid "
        "and eventid = (select max(eventid) from sales "
        "where sales.eventid = event.eventid)",
        check_correlated_subqueries,
    ),
    Rule(
        "RS025",
        "every dispatched macro with a postgres__ variant has a redshift__ one",
        "https://docs.getdbt.com/reference/dbt-jinja-functions/dispatch",
        "{% macro f() %}{{ adapter.dispatch('f', 'synapse')() }}{% endmacro %}\n"
        "{% macro postgres__f() %}select pg_backend_pid(){% endmacro %}\n"
        "{% macro default__f() %}select 1{% endmacro %}",
        check_dispatch,
        scope="macros",
    ),
)


def check_statement(
    statement: Statement, rules: Iterable[Rule] = RULES
) -> list[Finding]:
    findings = []
    for rule in rules:
        if rule.scope != "statement":
            continue
        for message in rule.check(statement):
            findings.append(Finding(rule, message, statement))
    return findings


def check_macros(macro_dir: Path, rules: Iterable[Rule] = RULES) -> list[Finding]:
    text = "\n".join(p.read_text() for p in sorted(macro_dir.rglob("*.sql")))
    findings = []
    for rule in rules:
        if rule.scope == "macros":
            for message in rule.check(text):
                findings.append(Finding(rule, message, where=str(macro_dir)))
    return findings


def fixture_findings(rule: Rule) -> list[str]:
    """What the rule reports on its own fixture (must not be empty)."""
    if rule.scope == "macros":
        return list(rule.check(rule.fixture))
    messages = []
    for sql in _split_fixture(rule.fixture):
        messages.extend(rule.check(Statement(sql)))
    return messages


def _split_fixture(fixture: str) -> list[str]:
    return [part.strip() for part in fixture.split(";") if part.strip()]
