"""Incremental builds equal a full refresh of the same data.

The raw zone is landed in batches (by landing date), with `dbt build` after
each one, so later batches bring late events, redeliveries with an earlier
received_at than the copy kept so far, CDC rows with lower LSNs than rows
already processed, CDC updates and deletes that change a user's plan (their
segment in the marts), and one calendar day without any event. The result must
equal, table by table and row by row, a `--full-refresh` build of all the data
at once; a run with nothing new landed must change nothing. The conservation
tests run in every one of those builds.

Every model is compared unless its YAML says `meta: {equivalence:
not_compared, equivalence_reason: ...}` (the real-time and monitoring views,
which describe "now" or the history of runs); the key is read from the
manifest, never from a model's name. A column with the same meta is a build
time (`decided_at`, `inputs_decided_at`): it is left out of the comparison
with the full refresh, but the run with nothing new must keep it too.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections import defaultdict

import numpy as np
import oracle
import pytest
from harness import work_dir
from pipeline import Pipeline, pipeline, small_config

from synapse_landing import generator

END = dt.datetime(2026, 5, 31, 18, 0)
COMPARED_SCHEMAS = ("staged", "intermediate", "mart", "restricted")
# A day inside the data window whose events are all removed from the raw
# zone: the daily marts must give it zeros, the trailing windows must span it.
GAP_DAY = (END - dt.timedelta(days=20)).date()
EQUIVALENCE_VALUES = ("compared", "not_compared")


def _artifact(pipe: Pipeline, name: str) -> dict:
    """A dbt artifact of the pipeline's latest dbt command."""
    path = work_dir(pipe.run_name) / name
    return json.loads(path.read_text(encoding="utf-8"))


def _models(manifest: dict) -> list[dict]:
    return [
        node
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"].get("enabled", True)
    ]


def _relation(node: dict) -> str:
    return f"{node['schema']}.{node['alias']}".lower()


def _not_compared(manifest: dict) -> set[str]:
    """Relations whose model opts out with `meta.equivalence`, with a reason."""
    skipped = set()
    for node in _models(manifest):
        meta = node["config"].get("meta", {})
        value = meta.get("equivalence", "compared")
        assert value in EQUIVALENCE_VALUES, (
            f"{node['name']}: meta.equivalence is {value!r}, "
            f"expected one of {EQUIVALENCE_VALUES}"
        )
        if value == "not_compared":
            assert str(meta.get("equivalence_reason", "")).strip(), (
                f"{node['name']}: meta.equivalence not_compared needs an "
                "equivalence_reason"
            )
            skipped.add(_relation(node))
    return skipped


def _without_day(dataset: generator.Dataset, day: dt.date) -> generator.Dataset:
    """Removes every raw event that occurred or was received on `day`."""
    events = dataset.tables["app_events"]
    keep = []
    for payload, received in zip(events["payload"], events["received_at"], strict=True):
        parsed = oracle.json_object(payload) or {}
        occurred = oracle.parse_iso(parsed.get("occurred_at"))
        received_day = np.datetime64(received, "D").item() if received else None
        keep.append(
            received_day != day and (occurred is None or occurred.date() != day)
        )
    mask = np.array(keep, dtype=bool)
    dataset.tables["app_events"] = {
        name: (
            values[mask]
            if isinstance(values, np.ndarray)
            else [v for v, kept in zip(values, keep, strict=True) if kept]
        )
        for name, values in events.items()
    }
    return dataset


def _rows(dataset: generator.Dataset, table: str) -> list[dict]:
    columns = dataset.tables[table]
    names = list(columns)
    values = [
        [
            value.astype("datetime64[us]").item()
            if hasattr(value, "dtype") and str(value.dtype).startswith("datetime64")
            else (value.item() if hasattr(value, "item") else value)
            for value in columns[name]
        ]
        for name in names
    ]
    return [dict(zip(names, row, strict=True)) for row in zip(*values, strict=True)]


def _batches(dataset: generator.Dataset) -> list[tuple]:
    """Cut the landing timeline so that the hard cases straddle batches."""
    copies = defaultdict(list)
    for row in _rows(dataset, "app_events"):
        if oracle.event_reason(row) is None:
            copies[row["event_id"]].append(row)
    redelivery_cuts = []
    for rows in copies.values():
        rows.sort(key=lambda row: row["loaded_at"])
        if any(r["received_at"] < rows[0]["received_at"] for r in rows[1:]):
            redelivery_cuts.append(rows[0]["loaded_at"])
    cdc_cuts = []
    highest: dict[str, tuple[int, dt.datetime]] = {}
    for row in sorted(_rows(dataset, "users_cdc"), key=lambda r: r["loaded_at"]):
        if oracle.cdc_reason(row, "user_id"):
            continue
        key = (oracle.json_object(row["after"] or row["before"]))["user_id"]
        if (
            key in highest
            and row["source_lsn"] < highest[key][0]
            and row["loaded_at"] > highest[key][1]
        ):
            cdc_cuts.append(highest[key][1])
        if key not in highest or row["source_lsn"] > highest[key][0]:
            highest[key] = (row["source_lsn"], row["loaded_at"])
    assert redelivery_cuts and cdc_cuts, "the dataset lacks the hard cases"
    cuts = sorted(
        {
            sorted(redelivery_cuts)[len(redelivery_cuts) // 2],
            sorted(cdc_cuts)[len(cdc_cuts) // 2],
            END - dt.timedelta(days=3),
        }
    )
    bounds = list(zip([None, *cuts], [*cuts, None], strict=True))
    return bounds


def _normalise(value):
    if isinstance(value, float):
        return None if math.isnan(value) else float(f"{value:.12g}")
    if hasattr(value, "as_tuple"):  # Decimal
        return float(f"{float(value):.12g}")
    return value


def _contents(
    built, not_compared: set[str], build_times: dict[str, set[str]] | None = None
) -> dict[str, list[tuple]]:
    """Every compared table's rows, sorted; `build_times` (model name ->
    columns) leaves out the columns that hold when a build wrote a row."""
    relations = built.query(
        "select table_schema, table_name from information_schema.tables where "
        "table_schema in (" + ", ".join(f"'{s}'" for s in COMPARED_SCHEMAS) + ")"
    )
    contents = {}
    for schema, table in relations:
        if f"{schema}.{table}".lower() in not_compared:
            continue
        columns = [
            name
            for (name,) in built.query(
                "select column_name from information_schema.columns "
                f"where table_schema = '{schema}' and table_name = '{table}' "
                "order by ordinal_position"
            )
            if name not in (build_times or {}).get(table, set())
        ]
        rows = [
            tuple(_normalise(value) for value in row)
            for row in built.query(f"select {', '.join(columns)} from {schema}.{table}")
        ]
        contents[f"{schema}.{table}"] = sorted(rows, key=repr)
    return contents


def _batch_of(loaded_at: dt.datetime, batches) -> int:
    for index, (_, through) in enumerate(batches):
        if through is None or loaded_at <= through:
            return index
    raise AssertionError(loaded_at)


def _assert_batches_exercise_the_hard_cases(built, batches) -> None:
    events = built.rows("raw.app_events")
    copies = defaultdict(list)
    for row in events:
        if oracle.event_reason(row) is None:
            copies[row["event_id"]].append(row)
    earlier_redelivered = late = 0
    for rows in copies.values():
        rows.sort(key=lambda row: row["loaded_at"])
        first = rows[0]
        for later in rows[1:]:
            if (
                _batch_of(later["loaded_at"], batches)
                > _batch_of(first["loaded_at"], batches)
                and later["received_at"] < first["received_at"]
            ):
                earlier_redelivered += 1
        occurred = oracle.parse_iso(json.loads(first["payload"])["occurred_at"])
        batch = _batch_of(first["loaded_at"], batches)
        if batch > 0 and occurred.date() < batches[batch - 1][1].date():
            late += 1
    lower_lsn_later = deletes_later = plan_corrections = 0
    for table, key in (("users_cdc", "user_id"), ("messages_cdc", "message_id")):
        seen: dict[str, tuple[int, int, object]] = {}
        for row in sorted(built.rows(f"raw.{table}"), key=lambda r: r["loaded_at"]):
            if oracle.cdc_reason(row, key):
                continue
            image = oracle.json_object(row["after"] or row["before"])
            batch = _batch_of(row["loaded_at"], batches)
            previous = seen.get(image[key])
            if previous and batch > previous[1] and row["source_lsn"] < previous[0]:
                lower_lsn_later += 1
            if row["op"] == "d" and batch > 0:
                deletes_later += 1
            if (
                table == "users_cdc"
                and previous
                and batch > previous[1]
                and row["source_lsn"] > previous[0]
                and row["op"] == "u"
                and image.get("plan") != previous[2]
            ):
                plan_corrections += 1
            if not previous or row["source_lsn"] > previous[0]:
                seen[image[key]] = (row["source_lsn"], batch, image.get("plan"))
    assert earlier_redelivered > 0, "no redelivery with an earlier received_at"
    assert late > 0, "no late events for days already built"
    assert lower_lsn_later > 0, "no CDC row with a lower LSN than one processed"
    assert deletes_later > 0, "no deletes after the first batch"
    assert plan_corrections > 0, "no CDC update changing a plan after a build"
    gap = built.query(
        "select count(*) from staged.stg_app__events "
        f"where occurred_date = cast('{GAP_DAY.isoformat()}' as date)"
    )
    assert gap == [(0,)], "the gap day has events"
    gap_dau = built.query(
        "select dau, mau from mart.fct_daily_active_users "
        f"where activity_date = cast('{GAP_DAY.isoformat()}' as date)"
    )
    assert len(gap_dau) == 1 and gap_dau[0][0] == 0 and gap_dau[0][1] > 0, gap_dau


def _assert_incremental_models_ran_incrementally(pipe: Pipeline) -> set[str]:
    """Every incremental model read its own table in the last batch's build
    (the incremental branch ran); returns their relations."""
    manifest = _artifact(pipe, "manifest.json")
    incremental = {
        node["unique_id"]: node
        for node in _models(manifest)
        if node["config"]["materialized"] == "incremental"
    }
    assert incremental, "no incremental model"
    results = {
        result["unique_id"]: result
        for result in _artifact(pipe, "run_results.json")["results"]
    }
    for unique_id, node in incremental.items():
        result = results[unique_id]
        assert result["status"] == "success", (unique_id, result["status"])
        assert node["relation_name"] in (result.get("compiled_code") or ""), (
            f"{node['name']} did not run its incremental branch"
        )
    return {_relation(node) for node in incremental.values()}


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_incremental_builds_equal_a_full_refresh(engine, request, tmp_path) -> None:
    if engine == "postgres":
        request.getfixturevalue("postgres_server")
    faults = generator.FaultRates(earlier_redelivery=0.01, cdc_out_of_order=0.02)
    config = small_config(seed=17, users=300, days=75, end=END)
    dataset = _without_day(
        generator.generate(
            generator.GeneratorConfig(**{**config.__dict__, "faults": faults})
        ),
        GAP_DAY,
    )
    root = tmp_path / "landing"
    generator.write_jsonl(dataset, root)
    batches = _batches(dataset)

    with pipeline(engine, "incremental", tmp_path) as incremental:
        for after, through in batches:
            landed = incremental.land(root, loaded_after=after, loaded_through=through)
            assert landed["app_events"] > 0
            incremental.dbt("build", "--exclude", "resource_type:snapshot")
        incremental_models = _assert_incremental_models_ran_incrementally(incremental)
        not_compared = _not_compared(_artifact(incremental, "manifest.json"))
        assert not incremental_models & not_compared, "an incremental model opts out"
        _assert_batches_exercise_the_hard_cases(incremental, batches)
        build_times = incremental.build_time_columns()
        assert build_times, "no build-time column: the per-date marts need one"
        # Idempotent: another run with no new data changes nothing, build
        # times included (no row was rewritten).
        as_built = _contents(incremental, not_compared)
        incremental.dbt("run")
        assert _contents(incremental, not_compared) == as_built
        after_batches = _contents(incremental, not_compared, build_times)

        with pipeline(engine, "full", tmp_path) as full:
            full.land(root)
            full.dbt("build", "--full-refresh", "--exclude", "resource_type:snapshot")
            refreshed = _contents(full, not_compared, build_times)

    assert sorted(after_batches) == sorted(refreshed)
    assert incremental_models <= set(refreshed), "an incremental model was not compared"
    assert len(after_batches) >= 15
    different = [name for name in refreshed if after_batches[name] != refreshed[name]]
    assert different == []


def test_a_key_an_incremental_run_misses_fails_the_build(tmp_path) -> None:
    """stg_app__events and stg_oltp__messages re-decide the keys of the input
    rows written since they last wrote (their latest `decided_at`). Should
    that ever miss rows (here: the tables' build times moved a year ahead,
    as if the last run's clock was wrong), the count law each tests (the sum
    of its per-key counts equals its valid input rows) fails the build, so
    a missed key is never silent."""
    root = tmp_path / "landing"
    generator.write_jsonl(
        generator.generate(small_config(seed=5, users=60, days=20, end=END)), root
    )
    cut = END - dt.timedelta(days=2)
    with pipeline("duckdb", "missed-keys", tmp_path) as pipe:
        pipe.land(root, loaded_through=cut)
        pipe.dbt("build", "--exclude", "resource_type:snapshot")
        for model in ("stg_app__events", "stg_oltp__messages"):
            pipe.query(
                f"update staged.{model} set decided_at = decided_at + interval 365 day"
            )
        landed = pipe.land(root, loaded_after=cut)
        assert landed["app_events"] > 0 and landed["messages_cdc"] > 0
        result = pipe.dbt("build", "--exclude", "resource_type:snapshot", check=False)
    assert result.returncode != 0
    for model in ("stg_app__events", "stg_oltp__messages"):
        assert re.search(
            rf"FAIL \d+ expect_layers_to_reconcile_{model}_ref", result.stdout
        ), f"the count law of {model} did not fail"
