"""Replaying quarantined events after a fix: export, correct, re-land, build."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from pipeline import pipeline, small_config

from synapse_landing import generator, replay

END = dt.datetime(2026, 4, 30, 12, 0)


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_fixed_quarantined_events_are_replayed(engine, request, tmp_path) -> None:
    if engine == "postgres":
        request.getfixturevalue("postgres_server")
    dataset = generator.generate(small_config(seed=8, users=120, days=20, end=END))
    generator.write_jsonl(dataset, tmp_path / "landing")
    with pipeline(engine, "replay", tmp_path) as built:
        built.land(tmp_path / "landing")
        built.dbt("build", "--exclude", "resource_type:snapshot")
        kept_before = built.query("select count(*) from staged.stg_app__events")[0][0]
        quarantined_before = built.query(
            "select count(*) from staged.stg_app__events_quarantine"
        )[0][0]

        target = built.warehouse()
        try:
            path = replay.export_quarantine(
                target, tmp_path / "replay", "invalid_timestamp"
            )
        finally:
            target.close()
        records = [json.loads(line) for line in path.read_text().splitlines()]
        assert records, "the dataset should have invalid timestamps"
        # The fix: the client sent device time without an offset; it was UTC.
        fixed, fixed_ids = [], set()
        for record in records:
            payload = json.loads(record["payload"])
            received = dt.datetime.fromisoformat(record["received_at"])
            payload["occurred_at"] = (received - dt.timedelta(seconds=1)).strftime(
                "%Y-%m-%dT%H:%M:%SZ"
            )
            record["payload"] = json.dumps(payload)
            fixed.append(json.dumps(record))
            fixed_ids.add(record["event_id"])
        path.write_text("\n".join(fixed) + "\n")

        built.land(tmp_path / "replay", loaded_at=END + dt.timedelta(hours=1))
        built.dbt("build", "--exclude", "resource_type:snapshot")

        replayed = {
            event_id
            for (event_id,) in built.query(
                "select event_id from staged.stg_app__events"
            )
        }
        assert fixed_ids <= replayed
        kept_after = built.query("select count(*) from staged.stg_app__events")[0][0]
        assert kept_before < kept_after <= kept_before + len(fixed_ids)
        # The rejected originals stay on record with their reason.
        quarantined_after = built.query(
            "select count(*) from staged.stg_app__events_quarantine"
        )[0][0]
        assert quarantined_after == quarantined_before


def test_unknown_reason_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(ValueError, match="unknown quarantine reason"):
        replay.export_quarantine(None, tmp_path, "no_such_reason")
