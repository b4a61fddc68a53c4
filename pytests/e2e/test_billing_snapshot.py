"""The subscription snapshot keeps the status history between pulls."""

from __future__ import annotations

import datetime as dt

import oracle
import pytest
from pipeline import pipeline, small_config

from synapse_landing import generator

END = dt.datetime(2026, 6, 30, 12, 0)
CUT = dt.datetime(2026, 5, 20, 0, 0)
BILLING = "+snap_billing__subscriptions +stg_billing__subscriptions_quarantine"


def _billing_rows(dataset: generator.Dataset) -> list[dict]:
    columns = dataset.tables["billing_subscriptions"]
    names = list(columns)
    rows = []
    for values in zip(*(columns[name] for name in names), strict=True):
        row = {}
        for name, value in zip(names, values, strict=True):
            if hasattr(value, "dtype") and str(value.dtype).startswith("datetime64"):
                value = None if str(value) == "NaT" else value.astype(dt.datetime)
            row[name] = value
        rows.append(row)
    return rows


def _current(rows: list[dict]) -> dict[str, dict]:
    """Latest updated_at per subscription, ties by latest fetched_at."""
    state: dict[str, dict] = {}
    for row in rows:
        if oracle.billing_reason(row):
            continue
        key = row["subscription_id"]
        rank = (row["updated_at"], row["fetched_at"])
        if key not in state or rank > (
            state[key]["updated_at"],
            state[key]["fetched_at"],
        ):
            state[key] = row
    return state


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_snapshot_keeps_status_history(engine, request, tmp_path) -> None:
    if engine == "postgres":
        request.getfixturevalue("postgres_server")
    dataset = generator.generate(small_config(seed=12, users=500, days=90, end=END))
    root = tmp_path / "landing"
    generator.write_jsonl(dataset, root)
    rows = _billing_rows(dataset)
    before = _current([row for row in rows if row["fetched_at"] <= CUT])
    after = _current(rows)
    changed = {
        key
        for key, row in before.items()
        if after[key]["updated_at"] != row["updated_at"]
    }
    assert changed, "some subscriptions should change after the first pull"

    with pipeline(engine, "snapshot", tmp_path) as built:
        others = ["app_events", "users_cdc", "messages_cdc"]
        built.land(root, tables=others)
        built.land(root, tables=["billing_subscriptions"], loaded_through=CUT)
        built.dbt("build", "--select", BILLING)
        built.land(root, tables=["billing_subscriptions"], loaded_after=CUT)
        built.dbt("build", "--select", BILLING)
        versions = built.rows(
            "snapshots.snap_billing__subscriptions",
            ["subscription_id", "status", "updated_at", "dbt_valid_to"],
        )

    by_key: dict[str, list[dict]] = {}
    for row in versions:
        by_key.setdefault(row["subscription_id"], []).append(row)
    assert set(by_key) == set(after)
    for key, history in by_key.items():
        expected = 2 if key in changed else 1
        assert len(history) == expected, key
        current = [row for row in history if row["dbt_valid_to"] is None]
        assert len(current) == 1, key
        assert current[0]["status"] == after[key]["status"], key
        if key in changed:
            closed = next(row for row in history if row["dbt_valid_to"] is not None)
            assert closed["status"] == before[key]["status"], key
            assert closed["updated_at"] == before[key]["updated_at"], key
