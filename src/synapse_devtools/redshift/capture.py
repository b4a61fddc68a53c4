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
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from synapse_devtools.redshift.kinds import (  # noqa: F401 (re-exported)
    REQUIRED_KINDS,
    Statement,
    missing_kinds,
    required_kinds,
    statement_kind,
    statement_verb,
)
from synapse_devtools.redshift.standin import (
    Catalog,
    ColumnSpec,
    FakeConnection,
    Recorder,
    RelationSpec,
)

PROJECT_DIR = Path(__file__).resolve().parents[3]
CAPTURE_DIR = PROJECT_DIR / "target" / "redshift_capture"

# The run-operations production runs, with the arguments that make them act
# (not only print).
RUN_OPERATIONS: tuple[tuple[str, str], ...] = (
    ("scrub_personal_data", "{}"),
    ("redshift_masking_policies", "{apply: true}"),
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


def load_widths(out_dir: Path = CAPTURE_DIR) -> dict[str, tuple[int, int]]:
    path = out_dir / "column_widths.json"
    if not path.exists():
        return {}
    return {
        name: (low, high) for name, (low, high) in json.loads(path.read_text()).items()
    }


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
