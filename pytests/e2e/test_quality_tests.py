"""The generic-test library, the results recorder and source freshness, on
DuckDB and Postgres, from one small warehouse per engine.

- Every generic test of tests/generic/ runs on test-only fixture seeds
  (seeds/quality_fixtures/, enabled by the var quality_fixtures): it must
  pass on the `_good` fixture and fail on the `_bad` one (a test's
  meta.fixture_expect says otherwise where the fixture is one seed).
- The on-run-end hook records the invocation and each result exactly once,
  and recording the same invocation again replaces rather than duplicates.
- `dbt source freshness` passes on data that ends now and fails on data
  that ended 13 hours ago, and its results are recorded too.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from harness import ROOT, work_dir
from pipeline import Pipeline, pipeline, small_config

from synapse_landing import generator, loader

pytestmark = pytest.mark.slow

# The same vars on every invocation of the module, so dbt parses once.
FIXTURE_VARS = "{quality_fixtures: true, check_severity_profile: strict}"
FAILED = {"fail", "warn"}


def _generic_tests() -> set[str]:
    names = set()
    for path in (ROOT / "tests" / "generic").glob("*.sql"):
        names.update(re.findall(r"{%-?\s*test\s+(\w+)\(", path.read_text()))
    return names


def _artifacts(built: Pipeline) -> tuple[dict[str, Any], dict[str, Any]]:
    work = work_dir(built.run_name)
    return (
        json.loads((work / "run_results.json").read_text()),
        json.loads((work / "manifest.json").read_text()),
    )


def _expected(node: dict[str, Any]) -> str:
    meta = node["config"].get("meta") or {}
    if "fixture_expect" in meta:
        return meta["fixture_expect"]
    attached = node.get("attached_node") or ""
    if attached.endswith("_good"):
        return "pass"
    if attached.endswith("_bad"):
        return "fail"
    raise AssertionError(f"{node['name']}: no fixture expectation")


def _land(built: Pipeline, root: Path) -> None:
    """Replaces the raw tables with the files under root."""
    target = built.warehouse()
    try:
        loader.land(root, target, replace=True)
    finally:
        target.close()


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def warehouse(request, tmp_path_factory):
    """Fixture seeds and their tests built once per engine."""
    engine = request.param
    if engine == "postgres":
        request.getfixturevalue("postgres_server")
    workdir = tmp_path_factory.mktemp(f"quality-{engine}")
    with pipeline(engine, "quality", workdir) as built:
        built.dbt(
            "build",
            "-s",
            "path:seeds/quality_fixtures",
            "--vars",
            FIXTURE_VARS,
            check=False,
        )
        run_results, manifest = _artifacts(built)
        yield built, run_results, manifest, workdir


def test_each_fixture_passes_or_fails_as_designed(warehouse) -> None:
    _, run_results, manifest, _ = warehouse
    wrong = []
    tests = [r for r in run_results["results"] if r["unique_id"].startswith("test.")]
    assert len(tests) >= 35
    for result in tests:
        node = manifest["nodes"][result["unique_id"]]
        assert result["status"] != "error", f"{node['name']}: {result['message']}"
        outcome = "fail" if result["status"] in FAILED else "pass"
        if outcome != _expected(node):
            wrong.append(f"{node['name']}: {result['status']} {result['message']}")
    assert wrong == []


def test_every_generic_test_has_a_passing_and_a_failing_fixture(warehouse) -> None:
    _, run_results, manifest, _ = warehouse
    seen: dict[str, set[str]] = {}
    for result in run_results["results"]:
        node = manifest["nodes"].get(result["unique_id"], {})
        name = (node.get("test_metadata") or {}).get("name")
        if name:
            outcome = "fail" if result["status"] in FAILED else "pass"
            seen.setdefault(name, set()).add(outcome)
    missing = {
        name: sorted({"pass", "fail"} - seen.get(name, set()))
        for name in _generic_tests()
        if seen.get(name) != {"pass", "fail"}
    }
    assert missing == {}


def test_hook_records_the_invocation_and_each_result_once(warehouse) -> None:
    built, run_results, _, _ = warehouse
    invocation = run_results["metadata"]["invocation_id"]
    # Project hooks are in run_results.json but not in on-run-end's results.
    nodes = [
        r for r in run_results["results"] if not r["unique_id"].startswith("operation.")
    ]
    (row,) = built.query(
        "select command, nodes, failed_nodes from monitoring.dbt_invocations "
        f"where invocation_id = '{invocation}'"
    )
    failed = sum(r["status"] in ("fail", "error") for r in nodes)
    assert row == ("build", len(nodes), failed)
    recorded = built.query(
        "select unique_id, status, failures, test_name from "
        f"monitoring.dbt_node_results where invocation_id = '{invocation}'"
    )
    expected = {(r["unique_id"], r["status"]) for r in nodes}
    assert len(recorded) == len(expected)
    assert {(unique_id, status) for unique_id, status, _, _ in recorded} == expected
    fails = [r for r in recorded if r[1] == "fail"]
    assert fails and all(r[2] > 0 and r[3] for r in fails)


def test_recording_an_invocation_again_replaces_it(warehouse) -> None:
    """The hook recorded the fixture build; record that invocation again
    (as a re-run of the hook would) with one result: it replaces the rows."""
    built, run_results, _, _ = warehouse
    invocation = run_results["metadata"]["invocation_id"]
    result = {
        "node": {
            "unique_id": "test.synapse.repeat_check",
            "resource_type": "test",
            "name": "repeat_check",
            "config": {"severity": "ERROR"},
        },
        "status": "fail",
        "failures": 3,
        "execution_time": 0.5,
        "message": "Got 3 results, configured to fail if != 0",
        "timing": [],
    }
    args = json.dumps({"results": [result], "invocation": invocation})
    built.dbt(
        "run-operation", "record_run_results", "--args", args, "--vars", FIXTURE_VARS
    )
    rows = built.query(
        "select node_name, status, failures, severity from "
        f"monitoring.dbt_node_results where invocation_id = '{invocation}'"
    )
    assert rows == [("repeat_check", "fail", 3, "error")]
    (count,) = built.query(
        "select count(*) from monitoring.dbt_invocations "
        f"where invocation_id = '{invocation}'"
    )[0]
    assert count == 1


def _freshness(built: Pipeline):
    result = built.dbt("source", "freshness", "--vars", FIXTURE_VARS, check=False)
    invocation = json.loads((work_dir(built.run_name) / "sources.json").read_text())[
        "metadata"
    ]["invocation_id"]
    statuses = dict(
        built.query(
            "select table_name, status from monitoring.dbt_source_freshness_results "
            f"where invocation_id = '{invocation}'"
        )
    )
    return result.returncode, statuses


def test_source_freshness_passes_on_data_ending_now(warehouse) -> None:
    built, _, _, workdir = warehouse
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, second=0, microsecond=0)
    root = workdir / "fresh"
    generator.write_jsonl(
        generator.generate(small_config(seed=3, users=30, days=3, end=now)), root
    )
    _land(built, root)
    code, statuses = _freshness(built)
    assert code == 0
    assert statuses == {
        "app_events": "pass",
        "users_cdc": "pass",
        "messages_cdc": "pass",
        "billing_subscriptions": "pass",
    }


def test_source_freshness_fails_on_stale_data(warehouse) -> None:
    built, _, _, workdir = warehouse
    ended = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    ended -= dt.timedelta(hours=13)
    root = workdir / "stale"
    generator.write_jsonl(
        generator.generate(small_config(seed=3, users=30, days=3, end=ended)), root
    )
    _land(built, root)
    code, statuses = _freshness(built)
    assert code != 0
    assert statuses == {
        "app_events": "error",
        "users_cdc": "error",
        "messages_cdc": "error",
        "billing_subscriptions": "error",
    }
