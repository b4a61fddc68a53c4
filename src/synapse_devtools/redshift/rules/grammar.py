"""Grammar rules: what Redshift's SELECT, OVER, GRANT / REVOKE, CREATE
TABLE / VIEW / MATERIALIZED VIEW, masking-policy and procedural statements
accept."""

from __future__ import annotations

import re
from collections.abc import Iterator

from sqlglot import exp

from synapse_devtools.redshift.rules.base import (
    DOCS,
    Statement,
    _strip_literals,
)

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
    """The project grants only to roles. It revokes from users too (grants
    made by hand, which the post-hook's convergence takes back), and a
    user is named bare, so a bare name is wrong in a REVOKE only when it is
    a configured role."""
    low = _strip_literals(statement.low.rstrip(";"))
    verb = re.match(r"^(grant|revoke)\b", low)
    if not verb:
        return
    for grantee in _grantees(low):
        if re.match(r"^(role|group)\s+\S+$|^public$", grantee):
            continue
        if verb.group(1) == "revoke" and grantee.strip('"') not in statement.roles:
            continue
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
