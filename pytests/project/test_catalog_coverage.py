"""The data catalog is complete: every node, column, source, macro and
argument is described (synapse_devtools.catalog_coverage), the definitions it
cites live in the repository, and the shared doc blocks are really shared."""

from __future__ import annotations

import copy
import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from harness import ROOT
from project import manifest

from synapse_devtools import catalog_coverage
from synapse_devtools.catalog_coverage import Gap, coverage_gaps

Manifest = dict[str, Any]


def _first(items: dict[str, Any], predicate: Callable[[dict], bool]) -> str:
    return next(key for key, item in items.items() if predicate(item))


def _model(m: Manifest, name: str) -> str:
    return _first(m["nodes"], lambda node: node["name"] == name)


def _blank_model(m: Manifest) -> Gap:
    uid = _model(m, "fct_daily_active_users")
    m["nodes"][uid]["description"] = ""
    return Gap("model", uid)


def _blank_column(m: Manifest) -> Gap:
    uid = _model(m, "dim_users")
    m["nodes"][uid]["columns"]["region"]["description"] = "  "
    return Gap("column", uid, "region")


def _blank_seed(m: Manifest) -> Gap:
    uid = _model(m, "country_regions")
    m["nodes"][uid]["description"] = ""
    return Gap("seed", uid)


def _blank_snapshot_column(m: Manifest) -> Gap:
    uid = _model(m, "snap_billing__subscriptions")
    m["nodes"][uid]["columns"]["user_id"]["description"] = ""
    return Gap("column", uid, "user_id")


def _blank_singular_test(m: Manifest) -> Gap:
    uid = _model(m, "assert_iso8601_parsing")
    m["nodes"][uid]["description"] = ""
    return Gap("test", uid)


def _blank_source(m: Manifest) -> Gap:
    for source in m["sources"].values():
        if source["source_name"] == "billing":
            source["source_description"] = ""
    return Gap("source", "source.synapse.billing")


def _blank_source_table(m: Manifest) -> Gap:
    uid = "source.synapse.app.app_events"
    m["sources"][uid]["description"] = ""
    return Gap("source table", uid)


def _blank_source_column(m: Manifest) -> Gap:
    uid = "source.synapse.app.app_events"
    m["sources"][uid]["columns"]["loaded_at"]["description"] = ""
    return Gap("column", uid, "loaded_at")


def _blank_macro(m: Manifest) -> Gap:
    uid = "macro.synapse.postgres__optimization_fence"
    m["macros"][uid]["description"] = ""
    return Gap("macro", uid)


def _blank_generic_test(m: Manifest) -> Gap:
    uid = "macro.synapse.test_row_count_reconciles"
    m["macros"][uid]["description"] = ""
    return Gap("macro", uid)


def _blank_macro_argument(m: Manifest) -> Gap:
    uid = "macro.synapse.epoch_ms_to_timestamp"
    m["macros"][uid]["arguments"][0]["description"] = ""
    return Gap("macro argument", uid, "expr")


def _blank_exposure(m: Manifest) -> Gap:
    uid = "exposure.synapse.business_dashboard"
    m["exposures"][uid]["description"] = ""
    return Gap("exposure", uid)


def _blank_metric(m: Manifest) -> Gap:
    uid = "metric.synapse.wau"
    m["metrics"][uid]["description"] = ""
    return Gap("metric", uid)


def _blank_semantic_dimension(m: Manifest) -> Gap:
    uid = "semantic_model.synapse.users"
    dimension = next(d for d in m["semantic_models"][uid]["dimensions"])
    dimension["description"] = None
    return Gap("semantic dimension", uid, dimension["name"])


BREAKERS = [
    _blank_model,
    _blank_column,
    _blank_seed,
    _blank_snapshot_column,
    _blank_singular_test,
    _blank_source,
    _blank_source_table,
    _blank_source_column,
    _blank_macro,
    _blank_generic_test,
    _blank_macro_argument,
    _blank_exposure,
    _blank_metric,
    _blank_semantic_dimension,
]


def test_the_repository_is_fully_described() -> None:
    assert coverage_gaps(manifest()) == []


@pytest.mark.parametrize("breaker", BREAKERS, ids=lambda f: f.__name__[1:])
def test_a_missing_description_is_reported(breaker) -> None:
    broken = copy.deepcopy(manifest())
    expected = breaker(broken)
    assert coverage_gaps(broken) == [expected]


def test_a_warehouse_column_missing_from_yaml_is_reported() -> None:
    uid = _model(manifest(), "dim_users")
    catalog = {"nodes": {uid: {"columns": {"USER_ID": {}, "secret_extra": {}}}}}
    assert coverage_gaps(manifest(), catalog) == [
        Gap("column", uid, "secret_extra (in the warehouse only)")
    ]


def test_the_command_fails_on_a_gap_and_passes_on_the_repo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(manifest()))
    assert catalog_coverage.main([str(good)]) == 0
    broken = copy.deepcopy(manifest())
    gap = _blank_column(broken)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(broken))
    assert catalog_coverage.main([str(bad)]) == 1
    assert f"{gap.unique_id} region" in capsys.readouterr().out


# ---------- definitions live in the repository ----------

DEFINITION_MENTION = re.compile(
    r"[\w./-]*(?:metrics|landing[-_]contract|conventions)[\w-]*\.md\b"
)


def _tracked_text_files() -> list[Path]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    suffixes = {".md", ".sql", ".yml", ".yaml", ".py", ".toml", ".txt"}
    names = [*listed, "Makefile"]
    return [ROOT / name for name in names if Path(name).suffix in suffixes]


def test_every_cited_definition_file_exists() -> None:
    dangling = []
    for path in _tracked_text_files():
        if not path.exists():
            continue
        for mention in DEFINITION_MENTION.findall(path.read_text(errors="ignore")):
            if not (ROOT / mention).is_file():
                dangling.append((str(path.relative_to(ROOT)), mention))
    assert dangling == [], "cite definitions by their path in the repository"


def _doc_uses(name: str) -> int:
    pattern = f"doc('{name}')"
    return sum(
        path.read_text().count(pattern)
        for folder in ("models", "seeds", "snapshots", "macros", "docs")
        for path in (ROOT / folder).rglob("*")
        if path.suffix in {".yml", ".md"}
    )


def test_shared_doc_blocks_are_used() -> None:
    blocks = [
        doc["name"]
        for doc in manifest()["docs"].values()
        if doc["package_name"] == "synapse" and doc["name"] != "__overview__"
    ]
    columns = [name for name in blocks if name.startswith("col_")]
    metrics = [name for name in blocks if name.startswith("metric_")]
    assert {"col_user_id", "col_loaded_at", "col_quarantine_reason"} <= set(columns)
    assert {"metric_dau", "metric_wau", "metric_mau", "metric_error_rate"} <= set(
        metrics
    )
    unused = [name for name in blocks if _doc_uses(name) == 0]
    assert unused == []
    assert all(_doc_uses(name) >= 2 for name in columns), "a column block is shared"


def test_overview_and_owners_are_in_the_catalog() -> None:
    docs = manifest()["docs"]
    overview = docs["doc.synapse.__overview__"]["block_contents"]
    for needle in ("## Layers", "## Sources", "metric", "owner", "group"):
        assert needle in overview
    exposures = manifest()["exposures"]
    urls = {item["name"]: item["url"] for item in exposures.values()}
    assert urls == {
        "realtime_dashboard": "http://localhost:8501/realtime",
        "business_dashboard": "http://localhost:8501/business",
        "weekly_kpi_report": "http://localhost:8501/weekly_kpis",
    }
    for exposure in exposures.values():
        assert exposure["owner"]["email"], exposure["name"]
        assert exposure["depends_on"]["nodes"], exposure["name"]
