"""Fail when anything in the data catalog lacks a description.

The docs site is the company's data catalog, so an undocumented model, column,
source, macro or argument is a hole users fall into. dbt itself never
complains about a missing description; this check reads ``manifest.json``
(and, when given, ``catalog.json`` for columns that exist in the warehouse but
not in YAML) and lists every gap.

    python -m synapse_devtools.catalog_coverage target/manifest.json \
        [--catalog target/catalog.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Node types whose own description and columns must be documented. Generic
# test *instances* are excluded: what they check is described once, on the
# generic test's macro (tests/generic/), which this check does cover.
DOCUMENTED_NODE_TYPES = ("model", "seed", "snapshot", "analysis")
COLUMN_NODE_TYPES = ("model", "seed", "snapshot")
# Top-level manifest sections whose every entry needs a description.
DESCRIBED_SECTIONS = {
    "exposures": "exposure",
    "semantic_models": "semantic model",
    "metrics": "metric",
    "saved_queries": "saved query",
}
SEMANTIC_PARTS = {
    "entities": "semantic entity",
    "dimensions": "semantic dimension",
    "measures": "semantic measure",
}


@dataclass(frozen=True, order=True)
class Gap:
    """One thing without a description, as the catalog would show it."""

    kind: str
    unique_id: str
    detail: str = ""

    def __str__(self) -> str:
        where = f"{self.unique_id} {self.detail}".strip()
        return f"{self.kind:<16} {where}"


def _blank(text: Any) -> bool:
    return not isinstance(text, str) or not text.strip()


def _ours(item: dict[str, Any], package: str) -> bool:
    return item.get("package_name") == package


def _column_gaps(unique_id: str, columns: dict[str, Any]) -> Iterator[Gap]:
    if not columns:
        yield Gap("columns", unique_id, "(no column documented)")
    for name, column in columns.items():
        if _blank(column.get("description")):
            yield Gap("column", unique_id, name)


def _node_gaps(manifest: dict[str, Any], package: str) -> Iterator[Gap]:
    for unique_id, node in manifest["nodes"].items():
        if not _ours(node, package):
            continue
        kind = node["resource_type"]
        singular_test = kind == "test" and not node.get("test_metadata")
        described = kind in DOCUMENTED_NODE_TYPES or singular_test
        if described and _blank(node.get("description")):
            yield Gap(kind, unique_id)
        if kind in COLUMN_NODE_TYPES:
            yield from _column_gaps(unique_id, node.get("columns", {}))


def _source_gaps(manifest: dict[str, Any], package: str) -> Iterator[Gap]:
    seen: set[str] = set()
    for unique_id, source in manifest["sources"].items():
        if not _ours(source, package):
            continue
        name = source["source_name"]
        if name not in seen and _blank(source.get("source_description")):
            seen.add(name)
            yield Gap("source", f"source.{package}.{name}")
        if _blank(source.get("description")):
            yield Gap("source table", unique_id)
        yield from _column_gaps(unique_id, source.get("columns", {}))


def _macro_gaps(manifest: dict[str, Any], package: str) -> Iterator[Gap]:
    for unique_id, macro in manifest["macros"].items():
        if not _ours(macro, package):
            continue
        if _blank(macro.get("description")):
            yield Gap("macro", unique_id)
        for argument in macro.get("arguments", []):
            if _blank(argument.get("description")):
                yield Gap("macro argument", unique_id, argument["name"])


def _section_gaps(manifest: dict[str, Any], package: str) -> Iterator[Gap]:
    for section, kind in DESCRIBED_SECTIONS.items():
        for unique_id, item in manifest.get(section, {}).items():
            if _ours(item, package) and _blank(item.get("description")):
                yield Gap(kind, unique_id)
    for unique_id, model in manifest.get("semantic_models", {}).items():
        if not _ours(model, package):
            continue
        for part, kind in SEMANTIC_PARTS.items():
            for item in model.get(part, []):
                if _blank(item.get("description")):
                    yield Gap(kind, unique_id, item["name"])
    for unique_id, group in manifest.get("groups", {}).items():
        if _ours(group, package):
            owner = group.get("owner") or {}
            if _blank(owner.get("email")) and _blank(owner.get("name")):
                yield Gap("group owner", unique_id)


def _warehouse_column_gaps(
    manifest: dict[str, Any], catalog: dict[str, Any], package: str
) -> Iterator[Gap]:
    """Columns the warehouse has but the YAML does not document."""
    for unique_id, entry in catalog.get("nodes", {}).items():
        node = manifest["nodes"].get(unique_id)
        if node is None or not _ours(node, package):
            continue
        documented = {name.lower() for name in node.get("columns", {})}
        for name in entry.get("columns", {}):
            if name.lower() not in documented:
                yield Gap("column", unique_id, f"{name} (in the warehouse only)")


def coverage_gaps(
    manifest: dict[str, Any],
    catalog: dict[str, Any] | None = None,
    package: str | None = None,
) -> list[Gap]:
    """Every undocumented item of the project's own package, sorted."""
    package = package or manifest["metadata"].get("project_name") or "synapse"
    checks: Iterable[Iterator[Gap]] = (
        _node_gaps(manifest, package),
        _source_gaps(manifest, package),
        _macro_gaps(manifest, package),
        _section_gaps(manifest, package),
    )
    gaps = [gap for check in checks for gap in check]
    if catalog is not None:
        gaps.extend(_warehouse_column_gaps(manifest, catalog, package))
    return sorted(set(gaps))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "manifest", nargs="?", default="target/manifest.json", type=Path
    )
    parser.add_argument("--catalog", type=Path, help="target/catalog.json")
    args = parser.parse_args(argv)
    if not args.manifest.exists():
        print(f"{args.manifest} not found: run `dbt parse` first", file=sys.stderr)
        return 2
    manifest = json.loads(args.manifest.read_text())
    catalog = json.loads(args.catalog.read_text()) if args.catalog else None
    gaps = coverage_gaps(manifest, catalog)
    if gaps:
        print(f"catalog coverage: {len(gaps)} item(s) without a description:")
        for gap in gaps:
            print(f"  {gap}")
        return 1
    print(
        "catalog coverage: every node, column, source, macro and argument is described"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
