"""The latest test results and source freshness, per node, for the catalog.

dbt's docs site shows what a model *is*, never whether its checks passed, and
users keep asking the catalog "can I trust this table today?". This module
collects, for every model, seed, snapshot and source, the latest recorded
result of the node itself, of each data test and unit test attached to it,
and of its freshness check, and renders them as a "Latest checks" section
appended to the node's description in the docs site's manifest.

The results come from the monitoring tables that every invocation records
(``monitoring.dbt_node_results`` and ``monitoring.dbt_source_freshness_results``)
when the warehouse has them; otherwise from the local artifacts of the last
run (``run_results.json``, ``sources.json``), and the section says so.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

NODE_RESULTS = "dbt_node_results"
FRESHNESS_RESULTS = "dbt_source_freshness_results"
NODE_COLUMNS = (
    "invocation_id",
    "unique_id",
    "resource_type",
    "node_name",
    "status",
    "failures",
    "execution_time_seconds",
    "completed_at",
    "message",
)
FRESHNESS_COLUMNS = (
    "invocation_id",
    "unique_id",
    "source_name",
    "table_name",
    "status",
    "max_loaded_at",
    "snapshotted_at",
    "age_seconds",
)
SECTION_TITLE = "Latest checks"
ANNOTATED_TYPES = ("model", "seed", "snapshot")


class Queryable(Protocol):
    """A warehouse connection (synapse_landing.warehouse) that runs a query."""

    def query(self, sql: str) -> list[tuple[Any, ...]]: ...


@dataclass(frozen=True)
class NodeResult:
    """One node's (model, test, unit test, ...) latest recorded execution."""

    unique_id: str
    status: str
    failures: int | None = None
    execution_time_seconds: float | None = None
    completed_at: dt.datetime | None = None
    message: str | None = None


@dataclass(frozen=True)
class FreshnessResult:
    """A source table's latest freshness check."""

    unique_id: str
    status: str
    max_loaded_at: dt.datetime | None = None
    snapshotted_at: dt.datetime | None = None
    age_seconds: float | None = None


@dataclass
class LatestChecks:
    """Every latest result, keyed by unique_id, and where they come from."""

    origin: str
    note: str = ""
    results: dict[str, NodeResult] = field(default_factory=dict)
    freshness: dict[str, FreshnessResult] = field(default_factory=dict)


# ---------- reading ----------


def _timestamp(value: Any) -> dt.datetime | None:
    """Artifacts hold ISO text with a Z; the tables hold naive UTC."""
    if value is None or isinstance(value, dt.datetime):
        return value.replace(tzinfo=None) if value else None
    parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(dt.UTC).replace(tzinfo=None)
    return parsed


def _latest_rows_sql(
    schema: str, table: str, columns: Sequence[str], order_by: str
) -> str:
    """One row per unique_id: its most recent by `order_by` (portable SQL)."""
    selected = ", ".join(columns)
    return (
        f"select {selected} from ("
        f"select {selected}, row_number() over ("
        f"partition by unique_id order by {order_by} desc, invocation_id desc"
        f") as recency from {schema}.{table}) as ranked where recency = 1"
    )


def monitoring_tables(warehouse: Queryable, schema: str) -> set[str]:
    rows = warehouse.query(
        "select table_name from information_schema.tables "
        f"where table_schema = '{schema}'"
    )
    return {str(name).lower() for (name,) in rows}


def from_monitoring(warehouse: Queryable, schema: str = "monitoring") -> LatestChecks:
    """The latest row per unique_id of the monitoring tables (must exist)."""
    checks = LatestChecks(origin=f"`{schema}.{NODE_RESULTS}`")
    rows = warehouse.query(
        _latest_rows_sql(schema, NODE_RESULTS, NODE_COLUMNS, "completed_at")
    )
    for row in rows:
        record = dict(zip(NODE_COLUMNS, row, strict=True))
        checks.results[record["unique_id"]] = NodeResult(
            unique_id=record["unique_id"],
            status=str(record["status"]),
            failures=record["failures"],
            execution_time_seconds=record["execution_time_seconds"],
            completed_at=_timestamp(record["completed_at"]),
            message=record["message"],
        )
    if FRESHNESS_RESULTS in monitoring_tables(warehouse, schema):
        checks.origin += f" and `{schema}.{FRESHNESS_RESULTS}`"
        latest = _latest_rows_sql(
            schema, FRESHNESS_RESULTS, FRESHNESS_COLUMNS, "snapshotted_at"
        )
        for row in warehouse.query(latest):
            record = dict(zip(FRESHNESS_COLUMNS, row, strict=True))
            checks.freshness[record["unique_id"]] = _freshness(record)
    return checks


def _freshness(record: dict[str, Any]) -> FreshnessResult:
    age = record.get("age_seconds")
    return FreshnessResult(
        unique_id=record["unique_id"],
        status=str(record["status"]),
        max_loaded_at=_timestamp(record.get("max_loaded_at")),
        snapshotted_at=_timestamp(record.get("snapshotted_at")),
        age_seconds=float(age) if age is not None else None,
    )


def _completed_at(result: dict[str, Any]) -> dt.datetime | None:
    stamps = [step.get("completed_at") for step in result.get("timing", [])]
    stamps = [stamp for stamp in stamps if stamp]
    return _timestamp(max(stamps)) if stamps else None


def from_artifacts(run_results: Path | None, sources: Path | None) -> LatestChecks:
    """The last local run's artifacts, when no monitoring table exists."""
    used = [
        f"{path.parent.name}/{path.name}"
        for path in (run_results, sources)
        if path and path.exists()
    ]
    checks = LatestChecks(
        origin=" and ".join(f"`{name}`" for name in used) or "no recorded run",
    )
    if run_results and run_results.exists():
        for result in json.loads(run_results.read_text()).get("results", []):
            checks.results[result["unique_id"]] = NodeResult(
                unique_id=result["unique_id"],
                status=str(result["status"]),
                failures=result.get("failures"),
                execution_time_seconds=result.get("execution_time"),
                completed_at=_completed_at(result),
                message=result.get("message"),
            )
    if sources and sources.exists():
        for result in json.loads(sources.read_text()).get("results", []):
            checks.freshness[result["unique_id"]] = _freshness(
                {
                    "unique_id": result["unique_id"],
                    "status": result.get("status", "unknown"),
                    "max_loaded_at": result.get("max_loaded_at"),
                    "snapshotted_at": result.get("snapshotted_at"),
                    "age_seconds": result.get("max_loaded_at_time_ago_in_s"),
                }
            )
    return checks


# ---------- rendering ----------


def _attached_checks(manifest: dict[str, Any]) -> dict[str, list[str]]:
    """unique_id of a model/seed/snapshot/source -> ids of its tests."""
    attached: dict[str, list[str]] = {}
    tests = [
        node for node in manifest["nodes"].values() if node["resource_type"] == "test"
    ]
    tests += list(manifest.get("unit_tests", {}).values())
    for test in tests:
        owner = test.get("attached_node")
        targets = [owner] if owner else test.get("depends_on", {}).get("nodes", [])
        for target in targets:
            attached.setdefault(target, []).append(test["unique_id"])
    return attached


def _when(stamp: dt.datetime | None) -> str:
    return stamp.strftime("%Y-%m-%d %H:%M UTC") if stamp else "—"


def _age(seconds: float | None) -> str:
    if seconds is None:
        return "unknown age"
    minutes = seconds / 60
    if minutes < 120:
        return f"{minutes:.0f} min"
    return f"{minutes / 60:.1f} h"


def _status(result: NodeResult | None) -> str:
    if result is None:
        return "not run"
    if result.status in {"fail", "error", "warn", "runtime error"}:
        return f"**{result.status.upper()}**"
    return result.status


def _check_rows(test_ids: Iterable[str], checks: LatestChecks, names: dict) -> list:
    rows = []
    for test_id in sorted(test_ids, key=lambda uid: names.get(uid, uid)):
        result = checks.results.get(test_id)
        failures = "" if result is None or result.failures is None else result.failures
        when = _when(result.completed_at if result else None)
        rows.append(
            f"| {names.get(test_id, test_id)} | {_status(result)} | {failures} "
            f"| {when} |"
        )
    return rows


def section(
    unique_id: str,
    checks: LatestChecks,
    attached: dict[str, list[str]],
    names: dict[str, str],
) -> str:
    """The markdown appended to one node's description."""
    lines = ["", "", "---", f"### {SECTION_TITLE}", ""]
    lines.append(f"Latest recorded result of each check, from {checks.origin}.")
    if checks.note:
        lines += ["", f"> Note: {checks.note}"]
    own = checks.results.get(unique_id)
    if not unique_id.startswith("source."):
        summary = f"**Build:** {_status(own)}"
        if own is not None:
            summary += f", {_when(own.completed_at)}"
            if own.execution_time_seconds is not None:
                summary += f", {own.execution_time_seconds:.1f} s"
        lines += ["", summary]
    fresh = checks.freshness.get(unique_id)
    if unique_id.startswith("source."):
        if fresh is None:
            lines += ["", "**Freshness:** no check recorded."]
        else:
            lines += [
                "",
                f"**Freshness:** {fresh.status}: data loaded up to "
                f"{_when(fresh.max_loaded_at)}, {_age(fresh.age_seconds)} old when "
                f"checked at {_when(fresh.snapshotted_at)}.",
            ]
    test_ids = attached.get(unique_id, [])
    if test_ids:
        lines += ["", "| check | status | failures | completed |", "|---|---|---|---|"]
        lines += _check_rows(test_ids, checks, names)
    else:
        lines += ["", "No data test or unit test is attached."]
    return "\n".join(lines) + "\n"


def annotate(manifest: dict[str, Any], checks: LatestChecks) -> dict[str, Any]:
    """A copy of the manifest whose node descriptions end with their checks."""
    annotated = copy.deepcopy(manifest)
    attached = _attached_checks(annotated)
    names = {uid: node["name"] for uid, node in annotated["nodes"].items()}
    names.update(
        {uid: test["name"] for uid, test in annotated.get("unit_tests", {}).items()}
    )
    package = annotated["metadata"].get("project_name")
    for unique_id, node in annotated["nodes"].items():
        if node["resource_type"] in ANNOTATED_TYPES and node["package_name"] == package:
            node["description"] = node.get("description", "") + section(
                unique_id, checks, attached, names
            )
    for unique_id, source in annotated["sources"].items():
        if source["package_name"] == package:
            source["description"] = source.get("description", "") + section(
                unique_id, checks, attached, names
            )
    return annotated
