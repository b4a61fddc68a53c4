"""Capture every statement dbt would send to the Redshift `prod` target.

No cluster is reachable from development or CI machines, and `dbt compile`
only shows the models' SELECTs, never the DDL dbt-redshift wraps around them,
the hooks, tests or run-operations. So dbt-redshift runs here for real, in
process, with `redshift_connector.connect` replaced by a recording stand-in:
every statement reaches the stand-in exactly as it would reach Redshift, and
the stand-in answers dbt's catalog queries from the parsed manifest.

Two phases give both branches of every materialization:

- `first`: the catalog is empty (a new warehouse): seeds, models and
  snapshots are created from nothing.
- `existing`: every relation already exists, with the columns its YAML
  declares: incremental models take their incremental branch, materialized
  views are compared and altered, snapshots merge, and data tests, unit
  tests and the run-operations run against them.

The records (one JSON object per statement) go to
`target/redshift_capture/statements.jsonl`, with a `kind` naming what the
statement is (see `statement_kind`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[3]
CAPTURE_DIR = PROJECT_DIR / "target" / "redshift_capture"

# The run-operations production runs, with the arguments that make them act
# (not only print).
RUN_OPERATIONS: tuple[tuple[str, str], ...] = (
    ("scrub_personal_data", "{}"),
    ("redshift_masking_policies", "{apply: true}"),
)

# Redshift type oids (redshift_connector.utils.oids) for cursor descriptions.
_TYPE_OIDS = {
    "boolean": 16,
    "bigint": 20,
    "smallint": 21,
    "integer": 23,
    "text": 25,
    "real": 700,
    "double precision": 701,
    "character": 1042,
    "character varying": 1043,
    "date": 1082,
    "timestamp without time zone": 1114,
    "timestamp with time zone": 1184,
    "numeric": 1700,
    "super": 4000,
}
_TYPE_ALIASES = {
    "varchar": "character varying",
    "char": "character",
    "int": "integer",
    "int4": "integer",
    "int8": "bigint",
    "int2": "smallint",
    "float": "double precision",
    "float8": "double precision",
    "decimal": "numeric",
    "bool": "boolean",
    "timestamp": "timestamp without time zone",
    "timestamptz": "timestamp with time zone",
}

_NODE_ID = re.compile(r'"node_id":\s*"([^"]+)"')
_LEADING_COMMENT = re.compile(r"^\s*/\*.*?\*/\s*", re.DOTALL)


@dataclass
class ColumnSpec:
    name: str
    data_type: str
    char_length: int | None = None
    precision: int | None = None
    scale: int | None = None
    declared: bool = True  # False: no type in the YAML (assumed varchar(256))

    @classmethod
    def parse(cls, name: str, declared: str | None) -> ColumnSpec:
        """A declared YAML type (`varchar(64)`, `numeric(18,4)`) as catalog
        fields; undeclared columns read as `character varying(256)`, what
        Redshift makes of a bare varchar."""
        text = (declared or "varchar(256)").strip().lower()
        known = declared is not None
        match = re.match(r"^([a-z ]+?)\s*(?:\((\d+)(?:\s*,\s*(\d+))?\))?$", text)
        base = match.group(1) if match else text
        base = _TYPE_ALIASES.get(base, base)
        first = int(match.group(2)) if match and match.group(2) else None
        second = int(match.group(3)) if match and match.group(3) else None
        if base in ("character varying", "character"):
            return cls(name, base, char_length=first or 256, declared=known)
        if base == "numeric":
            return cls(name, base, precision=first or 18, scale=second or 0)
        return cls(name, base, declared=known)

    @property
    def oid(self) -> int:
        return _TYPE_OIDS.get(self.data_type, 1043)


@dataclass
class RelationSpec:
    database: str
    schema: str
    name: str
    type: str  # table | view | materialized_view
    columns: list[ColumnSpec] = field(default_factory=list)


@dataclass
class Catalog:
    """What the stand-in warehouse holds: nothing, or every relation."""

    relations: dict[str, RelationSpec]
    node_columns: dict[str, list[ColumnSpec]]
    existing: bool = False

    def in_schema(self, schema: str) -> list[RelationSpec]:
        if not self.existing:
            return []
        return [r for r in self.relations.values() if r.schema.lower() == schema]

    def schemas(self) -> list[str]:
        if not self.existing:
            return []
        return sorted({r.schema for r in self.relations.values()})

    def find(self, name: str, schema: str | None = None) -> RelationSpec | None:
        """A relation by name; dbt's temporary and intermediate relations
        (`x__dbt_tmp`, `x__dbt_backup`, `x__dbt_tmp123...`) have x's columns."""
        base = re.sub(r"__dbt_(tmp|backup)[0-9a-z_]*$", "", name.lower())
        for relation in self.relations.values():
            same_schema = schema is None or relation.schema.lower() == schema
            if relation.name.lower() == base and same_schema:
                return relation
        return None


@dataclass
class Statement:
    phase: str
    command: str
    node_id: str
    resource_type: str
    materialized: str
    sql: str
    kind: str = ""


class _Result:
    def __init__(
        self, columns: Sequence[tuple[str, int]] = (), rows: Sequence[tuple] = ()
    ) -> None:
        self.description = (
            [(name, oid, None, None, None, None, None) for name, oid in columns]
            if columns
            else None
        )
        self.rows = list(rows)


class Recorder:
    """Holds the catalog and the statements; answers each statement."""

    def __init__(self, catalog: Catalog, nodes: dict[str, dict[str, str]]) -> None:
        self.catalog = catalog
        self.nodes = nodes
        self.phase = ""
        self.command = ""
        self.statements: list[Statement] = []
        self.hook = ""  # on-run-start / on-run-end while dbt runs those hooks
        self._local = threading.local()
        self._lock = threading.Lock()

    # ---- recording ----
    def record(self, sql: str, bindings: Sequence[Any] | None) -> _Result:
        found = _NODE_ID.search(sql[:600])
        if found:
            self._local.node_id = found.group(1)
        node_id = getattr(self._local, "node_id", "")
        if self.hook:
            node_id = f"hook.{self.hook}"
        body = _LEADING_COMMENT.sub("", sql).strip()
        if bindings:
            body = _inline_bindings(body, bindings)
        info = self.nodes.get(node_id, {})
        statement = Statement(
            phase=self.phase,
            command=self.command,
            node_id=node_id,
            resource_type=info.get("resource_type", node_id.split(".")[0]),
            materialized=info.get("materialized", ""),
            sql=body,
        )
        statement.kind = statement_kind(statement)
        with self._lock:
            self.statements.append(statement)
        return self.answer(body, node_id)

    # ---- answering ----
    def answer(self, sql: str, node_id: str) -> _Result:
        low = " ".join(sql.lower().split())
        varchar = 1043
        if low.startswith("select pg_backend_pid()"):
            return _Result([("pg_backend_pid", 23)], [(4242,)])
        if "from information_schema.tables" in low and "as type" in low:
            schema = _quoted_after(low, "table_schema ilike")
            rows = [
                ("synapse", r.name, r.schema, r.type)
                for r in self.catalog.in_schema(schema or "")
            ]
            cols = [("database", varchar), ("name", varchar), ("schema", varchar)]
            return _Result([*cols, ("type", varchar)], rows)
        if "from pg_namespace" in low and "count(*)" in low:
            schema = _quoted_after(low, "nspname =") or ""
            hit = schema in {s.lower() for s in self.catalog.schemas()}
            return _Result([("count", 20)], [(1 if hit else 0,)])
        if "from pg_namespace" in low and "nspname" in low and "pg_proc" not in low:
            return _Result(
                [("nspname", varchar)], [(s,) for s in self.catalog.schemas()]
            )
        if 'from information_schema."columns"' in low:
            return self._columns(low, node_id)
        if "from svv_table_info" in low:
            return self._mv_description(low)
        if "from pg_views vw" in low:
            name = _quoted_after(low, "vw.viewname =") or ""
            return _Result(
                [("definition", varchar)],
                [(f"create materialized view {name} auto refresh yes as select 1",)],
            )
        if "mv_tbl__" in low and "from pg_class" in low:
            cols = [("column", varchar), ("is_dist_key", 16)]
            return _Result([*cols, ("sort_key_position", 23)], [])
        if "from svv_attached_masking_policy" in low:
            names = ["policy_name", "schema_name", "table_name", "grantee"]
            return _Result([(n, varchar) for n in [*names, "output_columns"]], [])
        if "__dbt_sbq" in low and "limit 0" in low:
            columns = self.catalog.node_columns.get(node_id, [])
            return _Result([(c.name, c.oid) for c in columns] or [("x", 23)], [])
        if re.search(r"\bas failures\b", low) and "should_error" in low:
            cols = [("failures", 20), ("should_warn", 16), ("should_error", 16)]
            return _Result(cols, [(0, False, False)])
        if "actual_or_expected" in low:
            return _Result([("actual_or_expected", varchar)], [])
        if re.match(r"^\(?\s*select count\(", low):
            # The scrub's counts: one row due, so it goes on to update; its
            # guard (`as missing`) finds every id, so it does not stop.
            return _Result([("count", 20)], [(0 if " as missing" in low else 1,)])
        if re.match(r"^\(?\s*(select|with)\b", low):
            return _Result([("result", 20)], [])
        return _Result()

    def _columns(self, low: str, node_id: str) -> _Result:
        name = _quoted_after(low, "where table_name =") or ""
        schema = _quoted_after(low, "where table_schema =")
        relation = self.catalog.find(name, schema) if self.catalog.existing else None
        if relation is None and "__dbt_tmp" in name:
            relation = self.catalog.find(name)
        if relation is not None:
            columns = relation.columns
        elif "__dbt_tmp" in name:
            # A temporary table of the running node (a unit test's actuals).
            columns = self.catalog.node_columns.get(node_id, [])
        else:
            columns = []
        rows = [
            (c.name, c.data_type, c.char_length, c.precision, c.scale) for c in columns
        ]
        names = ["column_name", "data_type"]
        numbers = ["character_maximum_length", "numeric_precision", "numeric_scale"]
        return _Result([(n, 1043) for n in names] + [(n, 23) for n in numbers], rows)

    def _mv_description(self, low: str) -> _Result:
        name = _quoted_after(low, "where tb.table ilike") or ""
        schema = _quoted_after(low, "and tb.schema ilike") or ""
        names = ["database", "schema", "table", "diststyle", "sortkey1", "autorefresh"]
        # Existing view found without auto refresh: dbt must alter it.
        return _Result(
            [(n, 1043) for n in names], [("synapse", schema, name, "EVEN", None, "f")]
        )


def _quoted_after(text: str, marker: str) -> str | None:
    match = re.search(re.escape(marker) + r"\s*'([^']*)'", text)
    return match.group(1) if match else None


def _inline_bindings(sql: str, bindings: Sequence[Any]) -> str:
    """Seed inserts arrive as `%s` placeholders plus values: write the values
    in as literals, as the server would see them."""
    values = iter(bindings)

    def literal(_match: re.Match[str]) -> str:
        value = next(values, None)
        if value is None:
            return "null"
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return repr(value)
        return "'" + str(value).replace("'", "''") + "'"

    return re.sub(r"%s", literal, sql)


class FakeCursor:
    """Just enough of redshift_connector.Cursor for dbt-redshift."""

    def __init__(self, recorder: Recorder) -> None:
        self._recorder = recorder
        self._result = _Result()
        self.rowcount = -1

    def execute(self, operation: str, args: Sequence[Any] | None = None) -> FakeCursor:
        self._result = self._recorder.record(operation, args)
        self.rowcount = len(self._result.rows)
        return self

    @property
    def description(self) -> list[tuple] | None:
        return self._result.description

    def fetchall(self) -> list[tuple]:
        rows, self._result.rows = self._result.rows, []
        return rows

    def fetchmany(self, size: int) -> list[tuple]:
        rows = self._result.rows[:size]
        self._result.rows = self._result.rows[size:]
        return rows

    def fetchone(self) -> tuple | None:
        return self._result.rows.pop(0) if self._result.rows else None

    def close(self) -> None:
        pass

    def __enter__(self) -> FakeCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


class FakeConnection:
    def __init__(self, recorder: Recorder) -> None:
        self._recorder = recorder
        self.autocommit = False

    def cursor(self) -> FakeCursor:
        return FakeCursor(self._recorder)

    def commit(self) -> None:
        pass

    def rollback(self) -> None:
        pass

    def close(self) -> None:
        pass


# ---------------------------------------------------------------------------
# Kinds of statement
# ---------------------------------------------------------------------------

_VERBS = (
    ("create materialized view", "create materialized view"),
    ("alter materialized view", "alter materialized view"),
    ("refresh materialized view", "refresh materialized view"),
    ("create masking policy", "create masking policy"),
    ("attach masking policy", "attach masking policy"),
    ("create or replace view", "create view"),
    ("create view", "create view"),
    ("create temporary table", "create temporary table"),
    ("create temp table", "create temporary table"),
    ("create table", "create table"),
    ("create schema", "create schema"),
    ("create or replace function", "create function"),
    ("create function", "create function"),
    ("alter table", "alter table"),
    ("drop", "drop"),
    ("insert", "insert"),
    ("delete", "delete"),
    ("update", "update"),
    ("merge", "merge"),
    ("grant", "grant"),
    ("revoke", "revoke"),
    ("comment on", "comment"),
    ("begin", "transaction"),
    ("commit", "transaction"),
    ("rollback", "transaction"),
    ("lock", "lock"),
    ("do", "do block"),
    ("set", "set"),
    ("with", "select"),
    ("select", "select"),
    ("(", "select"),
)


def statement_verb(sql: str) -> str:
    text = " ".join(re.sub(r"--[^\n]*", "", sql).lower().split())
    for prefix, verb in _VERBS:
        if text.startswith(prefix):
            return verb
    return text.split(" ", 1)[0] if text else "empty"


def statement_kind(statement: Statement) -> str:
    """`<what ran>: <verb>`, e.g. `model incremental (existing): delete`,
    `hook on-run-start: select`, `run-operation scrub_personal_data: update`."""
    verb = statement_verb(statement.sql)
    node = statement.node_id
    if verb == "transaction" or statement.sql.startswith("select pg_backend_pid()"):
        return f"connection: {verb}"
    if statement.command.startswith("run-operation"):
        return f"{statement.command}: {verb}"
    if node.startswith("hook."):
        return f"hook {node.removeprefix('hook.')}: {verb}"
    rtype = statement.resource_type
    if rtype == "model":
        if verb in ("grant", "revoke"):
            return f"post-hook: {verb}"
        return f"model {statement.materialized} ({statement.phase}): {verb}"
    if rtype in ("seed", "snapshot"):
        if verb in ("grant", "revoke"):
            return f"post-hook: {verb}"
        return f"{rtype} ({statement.phase}): {verb}"
    if rtype in ("test", "unit_test"):
        return f"{rtype.replace('_', ' ')}: {verb}"
    return f"{rtype or 'connection'}: {verb}"


# Kinds that must appear in every capture (the capture test asserts them).
REQUIRED_KINDS: tuple[str, ...] = (
    "hook on-run-start: select",
    "hook on-run-start: create table",  # the monitoring results tables
    "hook on-run-end: delete",  # run results recorded: delete, then insert
    "hook on-run-end: insert",
    "post-hook: grant",
    "post-hook: revoke",
    "model view (first): create view",
    "model table (first): create table",
    "model table (existing): alter table",
    "model incremental (first): create table",
    "model incremental (existing): create temporary table",
    "model incremental (existing): delete",
    "model incremental (existing): insert",
    "model materialized_view (first): create materialized view",
    "model materialized_view (existing): alter materialized view",
    "seed (first): create table",
    "seed (first): insert",
    "snapshot (first): create table",
    "snapshot (existing): update",
    "snapshot (existing): insert",
    "test: select",
    "unit test: select",
    "run-operation scrub_personal_data: update",
    "run-operation scrub_personal_data: insert",
    "run-operation redshift_masking_policies: create masking policy",
    "run-operation redshift_masking_policies: attach masking policy",
)


# ---------------------------------------------------------------------------
# Running dbt
# ---------------------------------------------------------------------------


@contextlib.contextmanager
def _stand_in_connections(recorder: Recorder) -> Iterator[None]:
    """Route dbt-redshift's connections to the recorder, and tell it when the
    on-run-* hooks run (their statements carry no node id)."""
    import redshift_connector
    from dbt.task.run import RunTask

    original_connect = redshift_connector.connect
    original_hooks = RunTask.safe_run_hooks

    def connect(**_kwargs: Any) -> FakeConnection:
        return FakeConnection(recorder)

    def safe_run_hooks(task: Any, adapter: Any, hook_type: Any, extra: Any) -> Any:
        recorder.hook = str(getattr(hook_type, "value", hook_type))
        try:
            return original_hooks(task, adapter, hook_type, extra)
        finally:
            recorder.hook = ""

    redshift_connector.connect = connect
    RunTask.safe_run_hooks = safe_run_hooks  # type: ignore[method-assign]
    try:
        yield
    finally:
        redshift_connector.connect = original_connect
        RunTask.safe_run_hooks = original_hooks  # type: ignore[method-assign]


@contextlib.contextmanager
def _capture_environment() -> Iterator[None]:
    overrides = {
        "DBT_PROFILES_DIR": str(PROJECT_DIR / ".dbt"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    saved = {key: os.environ.get(key) for key in overrides}
    os.environ.update(overrides)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _ensure_profiles() -> None:
    profiles = PROJECT_DIR / ".dbt"
    profiles.mkdir(exist_ok=True)
    link = profiles / "profiles.yml"
    if not link.exists():
        link.symlink_to(Path("..") / "profiles.yml.example")


def _catalog_from_manifest(manifest: Any) -> tuple[Catalog, dict[str, dict[str, str]]]:
    relations: dict[str, RelationSpec] = {}
    node_columns: dict[str, list[ColumnSpec]] = {}
    nodes: dict[str, dict[str, str]] = {}
    for unique_id, node in {**manifest.nodes, **manifest.sources}.items():
        rtype = str(node.resource_type)
        materialized = str(getattr(node.config, "materialized", "") or "")
        nodes[unique_id] = {"resource_type": rtype, "materialized": materialized}
        columns = [
            ColumnSpec.parse(name, column.data_type)
            for name, column in node.columns.items()
        ]
        if rtype == "source":
            columns = _contract_columns(node.identifier) or columns
        if rtype == "seed" and not columns:
            columns = _seed_columns(node)
        node_columns[unique_id] = columns
        if rtype not in ("model", "seed", "snapshot", "source"):
            continue
        if materialized == "ephemeral":
            continue
        kind = {"view": "view", "materialized_view": "materialized_view"}.get(
            materialized, "table"
        )
        if rtype == "snapshot":
            columns = columns + [
                ColumnSpec.parse(name, declared)
                for name, declared in (
                    ("dbt_scd_id", "varchar(32)"),
                    ("dbt_updated_at", "timestamp"),
                    ("dbt_valid_from", "timestamp"),
                    ("dbt_valid_to", "timestamp"),
                )
            ]
        name = getattr(node, "alias", None) or node.identifier
        relations[unique_id] = RelationSpec(
            node.database or "synapse", node.schema, name, kind, columns
        )
    for unique_id, unit_test in manifest.unit_tests.items():
        # A unit test's queries are its model's SELECT: the model's columns.
        model_id = f"model.{unit_test.package_name}.{unit_test.model}"
        nodes[unique_id] = {"resource_type": "unit_test", "materialized": ""}
        node_columns[unique_id] = node_columns.get(model_id, [])
    return Catalog(relations, node_columns), nodes


def _contract_columns(table: str) -> list[ColumnSpec]:
    """Raw tables have the landing contract's types (what the loader creates)."""
    from synapse_landing.contract import RAW_TABLES

    return [ColumnSpec.parse(c.name, c.sql_type) for c in RAW_TABLES.get(table, ())]


# dbt's own snapshot columns, with the widths dbt gives them.
_DBT_COLUMN_WIDTHS = {"dbt_scd_id": (32, 32), "dbt_change_type": (6, 6)}


def column_widths(catalog: Catalog) -> dict[str, tuple[int, int]]:
    """Column name -> (narrowest, widest) declared text length anywhere in the
    project; (0, 0) for a column that is never text. A column missing here
    has no declared type: nothing is known about its width."""
    widths: dict[str, tuple[int, int]] = dict(_DBT_COLUMN_WIDTHS)
    every = [*catalog.node_columns.values()]
    every += [r.columns for r in catalog.relations.values()]
    for columns in every:
        for column in columns:
            if not column.declared:
                continue
            width = column.char_length or 0
            if column.data_type == "text":
                width = 256
            low, high = widths.get(column.name.lower(), (width, width))
            widths[column.name.lower()] = (min(low, width), max(high, width))
    return dict(sorted(widths.items()))


def _seed_columns(node: Any) -> list[ColumnSpec]:
    path = PROJECT_DIR / node.original_file_path
    header = path.read_text().splitlines()[0]
    return [ColumnSpec.parse(name.strip(), None) for name in header.split(",")]


def _invoke(args: list[str]) -> Any:
    from dbt.cli.main import dbtRunner

    result = dbtRunner().invoke(args)
    if not result.success:
        raise RuntimeError(
            f"dbt {' '.join(args[:2])} failed under the Redshift stand-in: "
            f"{result.exception or 'see the dbt log above'}"
        )
    return result.result


def _common_args(work: Path) -> list[str]:
    return [
        "--target",
        "prod",
        "--threads",
        "1",
        "--project-dir",
        str(PROJECT_DIR),
        "--target-path",
        str(work / "dbt"),
        "--log-path",
        str(work / "logs"),
    ]


# (phase, command, args): what production runs, first on an empty warehouse,
# then on a warehouse where everything exists.
def _plan() -> list[tuple[str, str, list[str]]]:
    # One `build` per phase: each dbt invocation re-reads the project.
    plan: list[tuple[str, str, list[str]]] = [
        (
            "first",
            "build",
            ["build", "--exclude-resource-type", "test", "unit_test"],
        ),
        ("existing", "build", ["build"]),
    ]
    for macro, macro_args in RUN_OPERATIONS:
        plan.append(
            (
                "existing",
                f"run-operation {macro}",
                [
                    "run-operation",
                    macro,
                    "--args",
                    macro_args,
                    "--vars",
                    "{redshift_masking_policies: true}",
                ],
            )
        )
    return plan


def capture(out_dir: Path = CAPTURE_DIR, quiet: bool = True) -> list[Statement]:
    """Run the production commands against the stand-in; write and return
    every statement."""
    _ensure_profiles()
    out_dir.mkdir(parents=True, exist_ok=True)
    flags = ["--quiet"] if quiet else []
    with _capture_environment():
        manifest = _invoke([*flags, "parse", *_common_args(out_dir)])
        catalog, nodes = _catalog_from_manifest(manifest)
        (out_dir / "column_widths.json").write_text(
            json.dumps(column_widths(catalog), indent=1, sort_keys=True)
        )
        recorder = Recorder(catalog, nodes)
        with _stand_in_connections(recorder), _written(recorder, out_dir):
            for phase, command, args in _plan():
                recorder.phase, recorder.command = phase, command
                catalog.existing = phase == "existing"
                if not quiet:
                    print(f"==> capture [{phase}] dbt {command}", flush=True)
                started = time.monotonic()
                _invoke([*flags, *args, *_common_args(out_dir)])
                if not quiet:
                    print(f"    {time.monotonic() - started:.1f}s", flush=True)
    return recorder.statements


@contextlib.contextmanager
def _written(recorder: Recorder, out_dir: Path) -> Iterator[None]:
    """Write what was captured even when a dbt command fails (to debug it)."""
    try:
        yield
    finally:
        write_capture(recorder.statements, out_dir)


def write_capture(statements: Sequence[Statement], out_dir: Path) -> Path:
    path = out_dir / "statements.jsonl"
    with path.open("w") as handle:
        for statement in statements:
            handle.write(json.dumps(asdict(statement)) + "\n")
    kinds: dict[str, int] = {}
    for statement in statements:
        kinds[statement.kind] = kinds.get(statement.kind, 0) + 1
    (out_dir / "kinds.json").write_text(json.dumps(kinds, indent=2, sort_keys=True))
    return path


def load_capture(out_dir: Path = CAPTURE_DIR) -> list[Statement]:
    path = out_dir / "statements.jsonl"
    return [Statement(**json.loads(line)) for line in path.read_text().splitlines()]


def required_kinds() -> list[str]:
    """The kinds every capture must contain."""
    return list(REQUIRED_KINDS)


def load_widths(out_dir: Path = CAPTURE_DIR) -> dict[str, tuple[int, int]]:
    path = out_dir / "column_widths.json"
    if not path.exists():
        return {}
    return {
        name: (low, high) for name, (low, high) in json.loads(path.read_text()).items()
    }


def missing_kinds(statements: Sequence[Statement]) -> list[str]:
    seen = {statement.kind for statement in statements}
    return [kind for kind in required_kinds() if kind not in seen]


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=CAPTURE_DIR)
    parser.add_argument("--verbose", action="store_true", help="show dbt's output")
    args = parser.parse_args(argv)
    statements = capture(args.out, quiet=not args.verbose)
    missing = missing_kinds(statements)
    print(f"{len(statements)} statements captured into {args.out}")
    for kind in missing:
        print(f"missing kind: {kind}")
    return 1 if missing else 0


if __name__ == "__main__":
    raise SystemExit(main())
