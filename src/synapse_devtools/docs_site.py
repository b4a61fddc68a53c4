"""Build the data catalog: the self-contained dbt docs site, with the latest
checks of every node written into it.

    python -m synapse_devtools.docs_site [--target local] [--target-path target]

1. keeps the last build's ``run_results.json`` (``dbt docs generate``
   overwrites it with its own compile results);
2. runs ``dbt docs generate --static``;
3. appends a "Latest checks" section to every model, seed, snapshot and
   source description (``synapse_devtools.latest_checks``), from the
   monitoring tables when the warehouse has them, else from the kept
   artifacts, and rewrites ``static_index.html`` with that manifest (dbt's
   own ``manifest.json`` is left untouched for the tools that read it);
4. runs the catalog coverage check against the warehouse's columns;
5. prints how to open the site.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from synapse_devtools import catalog_coverage, latest_checks

KEPT_RUN_RESULTS = "last_build_run_results.json"
MANIFEST_PLACEHOLDER = '"MANIFEST.JSON INLINE DATA"'
CATALOG_PLACEHOLDER = '"CATALOG.JSON INLINE DATA"'


def keep_build_results(target_dir: Path) -> None:
    """Save run_results.json unless it is itself a docs-generate artifact."""
    current = target_dir / "run_results.json"
    if not current.exists():
        return
    which = json.loads(current.read_text()).get("args", {}).get("which")
    if which not in {"generate", "parse", "compile", "list"}:
        shutil.copyfile(current, target_dir / KEPT_RUN_RESULTS)


def generate(dbt: Path, target: str, target_dir: Path) -> int:
    command = [
        str(dbt),
        "docs",
        "generate",
        "--static",
        # A partial parse loses the YAML descriptions of singular tests
        # (their patches are not re-applied), which the catalog must show.
        "--no-partial-parse",
        "--target",
        target,
        "--target-path",
        str(target_dir),
    ]
    print(f"==> dbt {' '.join(command[1:])}", flush=True)
    return subprocess.run(command, check=False).returncode


def _duckdb_checks(schema: str) -> latest_checks.LatestChecks | None:
    from synapse_landing.warehouse import DEFAULT_DUCKDB_PATH, DuckDBWarehouse

    path = os.environ.get("SYNAPSE_DUCKDB_PATH", DEFAULT_DUCKDB_PATH)
    if not Path(path).exists():
        return None
    warehouse = DuckDBWarehouse(path=path, schema=schema)
    try:
        return _monitoring_or_none(warehouse, schema)
    finally:
        warehouse.close()


def _postgres_checks(schema: str) -> latest_checks.LatestChecks | None:
    from synapse_landing.warehouse import PostgresWarehouse

    warehouse = PostgresWarehouse(schema=schema)
    try:
        return _monitoring_or_none(warehouse, schema)
    finally:
        warehouse.close()


def _monitoring_or_none(
    warehouse: latest_checks.Queryable, schema: str
) -> latest_checks.LatestChecks | None:
    tables = latest_checks.monitoring_tables(warehouse, schema)
    if latest_checks.NODE_RESULTS not in tables:
        return None
    return latest_checks.from_monitoring(warehouse, schema)


def read_checks(
    adapter_type: str, target_dir: Path, schema: str = "monitoring"
) -> latest_checks.LatestChecks:
    """Monitoring tables when present, else the kept artifacts, with a note."""
    readers = {"duckdb": _duckdb_checks, "postgres": _postgres_checks}
    reader = readers.get(adapter_type)
    checks = reader(schema) if reader else None
    if checks is not None:
        return checks
    kept = target_dir / KEPT_RUN_RESULTS
    checks = latest_checks.from_artifacts(
        kept if kept.exists() else None, target_dir / "sources.json"
    )
    checks.note = (
        f"The warehouse has no `{schema}.{latest_checks.NODE_RESULTS}` table "
        f"({adapter_type}), so these are the artifacts of the last local run "
        "in target/, not the recorded history."
    )
    return checks


def write_static_site(
    target_dir: Path, manifest: dict[str, Any], catalog: dict[str, Any]
) -> Path:
    """static_index.html as dbt writes it, but with the given manifest."""
    from dbt.task.docs import DOCS_INDEX_FILE_PATH

    page = Path(DOCS_INDEX_FILE_PATH).read_text(encoding="utf-8")
    if MANIFEST_PLACEHOLDER not in page or CATALOG_PLACEHOLDER not in page:
        raise RuntimeError(f"{DOCS_INDEX_FILE_PATH} lacks dbt's inline-data markers")
    page = page.replace(MANIFEST_PLACEHOLDER, json.dumps(manifest))
    page = page.replace(CATALOG_PLACEHOLDER, json.dumps(catalog))
    site = target_dir / "static_index.html"
    site.write_text(page, encoding="utf-8")
    return site


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default=os.environ.get("SYNAPSE_TARGET", "local"))
    parser.add_argument("--target-path", type=Path, default=Path("target"))
    parser.add_argument("--monitoring-schema", default="monitoring")
    parser.add_argument(
        "--skip-generate",
        action="store_true",
        help="post-process the artifacts already in --target-path",
    )
    args = parser.parse_args(argv)
    target_dir: Path = args.target_path.resolve()
    keep_build_results(target_dir)
    if not args.skip_generate:
        code = generate(Path(sys.executable).parent / "dbt", args.target, target_dir)
        if code != 0:
            print(
                f"==> dbt docs generate failed (exit {code}); see above",
                file=sys.stderr,
            )
            return code
    manifest = json.loads((target_dir / "manifest.json").read_text())
    catalog = json.loads((target_dir / "catalog.json").read_text())
    adapter = manifest["metadata"].get("adapter_type", "")
    checks = read_checks(adapter, target_dir, args.monitoring_schema)
    print(
        f"==> latest checks from {checks.origin}: {len(checks.results)} results, "
        f"{len(checks.freshness)} freshness checks"
    )
    site = write_static_site(
        target_dir, latest_checks.annotate(manifest, checks), catalog
    )
    gaps = catalog_coverage.coverage_gaps(manifest, catalog)
    for gap in gaps:
        print(f"  undocumented: {gap}")
    if not gaps:
        print("==> catalog coverage: everything is described")
    print(f"==> catalog: open file://{site} in a browser (one self-contained file)")
    print(f"    or serve it: python -m http.server -d {target_dir} 8080")
    print("    then http://127.0.0.1:8080/static_index.html")
    if gaps:
        print(f"==> {len(gaps)} item(s) lack a description", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
