"""Tests of the synthetic landing-data generator.

The central test re-reads the written JSON-lines files and classifies every
app event again, from the contract's text, with its own parser and regex
(pytests/support/rawzone_reader.py): it shares no code with the generator,
so the generator's ground truth is checked against an independent reading of
the same bytes.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from rawzone_reader import (
    FIVE_MINUTES,
    classify,
    is_blank,
    parse_occurred,
    read_table,
    reclassify,
    replay_cdc,
    ts,
)

from synapse_landing import contract
from synapse_landing.generator import (
    Dataset,
    FaultRates,
    GeneratorConfig,
    config_for_events,
    generate,
    write_jsonl,
    write_raw_zone,
)

END = datetime(2026, 3, 1, 12, 0)
SMALL = GeneratorConfig(seed=7, users=400, days=45, end=END)
# every fault far more often than by default (still one rule failing per row)
NOISY = GeneratorConfig(
    seed=11, users=150, days=20, end=END, faults=FaultRates().scaled(8.0)
)


# --------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Dataset, Path]:
    messages: list[str] = []
    dataset = generate(SMALL, progress=messages.append)
    out = tmp_path_factory.mktemp("small")
    write_jsonl(dataset, out)
    dataset.progress_messages = messages  # type: ignore[attr-defined]
    return dataset, out


@pytest.fixture(scope="module")
def noisy(tmp_path_factory) -> tuple[Dataset, Path]:
    dataset = generate(NOISY)
    out = tmp_path_factory.mktemp("noisy")
    write_jsonl(dataset, out)
    return dataset, out


# ======================================================================== tests
def test_determinism(tmp_path: Path) -> None:
    config = GeneratorConfig(seed=3, users=120, days=12, end=END)
    first = write_jsonl(generate(config), tmp_path / "a")
    second = write_jsonl(generate(config), tmp_path / "b")
    rel_a = [p.relative_to(tmp_path / "a") for p in first]
    rel_b = [p.relative_to(tmp_path / "b") for p in second]
    assert rel_a == rel_b
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a
    other = write_jsonl(
        generate(GeneratorConfig(seed=4, users=120, days=12, end=END)),
        tmp_path / "c",
    )
    events_a = b"".join(p.read_bytes() for p in first if "app_events" in p.parts)
    events_c = b"".join(p.read_bytes() for p in other if "app_events" in p.parts)
    assert events_a != events_c


def test_truth_reconciles(small) -> None:
    dataset, _ = small
    truth = dataset.truth
    events = truth["events"]
    assert set(events["quarantined"]) == set(contract.EVENT_QUARANTINE_REASONS)
    assert truth["raw_rows"]["app_events"] == (
        events["valid_kept"]
        + events["duplicates"]
        + sum(events["quarantined"].values())
    )
    for table, columns in dataset.tables.items():
        lengths = {len(values) for values in columns.values()}
        assert lengths == {truth["raw_rows"][table]}, table
    for table in ("users_cdc", "messages_cdc"):
        cdc = truth[table]
        assert truth["raw_rows"][table] == (
            cdc["distinct_changes"]
            + cdc["repeated_rows"]
            + sum(cdc["quarantined"].values())
        )
    assert events["valid_kept"] == len(dataset.truth_events["event_id"])
    assert sum(truth["faults"]["fraction_digits"].values()) == events["valid_kept"]
    # the summary is JSON and was written next to the partitions
    assert json.loads(json.dumps(truth)) == truth


def test_every_fault_present(small) -> None:
    truth = small[0].truth
    for reason, count in truth["events"]["quarantined"].items():
        assert count > 0, reason
    assert truth["events"]["duplicates"] > 0
    faults = truth["faults"]
    for name in (
        "duplicate_ties",
        "earlier_redeliveries",
        "late_arrivals",
        "extra_keys",
        "offset_timestamps",
        "pg_lookalike_timestamps",
        "boundary_timestamps",
    ):
        assert faults[name] > 0, name
    assert all(count > 0 for count in faults["fraction_digits"].values())
    for table in ("users_cdc", "messages_cdc"):
        cdc = truth[table]
        assert cdc["quarantined"]["malformed_json"] > 0
        assert cdc["quarantined"]["missing_key"] > 0
        assert cdc["repeated_rows"] > 0
        assert cdc["out_of_order_rows"] > 0
        assert cdc["deletes"] > 0
    assert truth["users_cdc"]["key_only_deletes"] > 0
    assert truth["users_cdc"]["snapshot_reads"] > 0
    billing = truth["billing_subscriptions"]["quarantined"]
    assert billing["missing_subscription_id"] > 0
    assert billing["missing_user_id"] > 0


@pytest.mark.parametrize("which", ["small", "noisy"])
def test_independent_reclassification(which, request) -> None:
    dataset, root = request.getfixturevalue(which)
    seen = reclassify(root)
    truth = dataset.truth["events"]
    expected = {r: truth["quarantined"][r] for r in contract.EVENT_QUARANTINE_REASONS}
    assert dict(seen["reasons"]) == {r: c for r, c in expected.items() if c}
    assert seen["duplicates"] == truth["duplicates"]
    assert len(seen["kept"]) == truth["valid_kept"]
    # the kept copies are the generator's truth, field by field
    te = dataset.truth_events
    assert set(seen["kept"]) == set(te["event_id"].tolist())
    for i, event_id in enumerate(te["event_id"].tolist()):
        (received, loaded, _), obj, occurred = seen["kept"][event_id]
        assert received == te["received_at"][i].astype(datetime)
        assert loaded == te["loaded_at"][i].astype(datetime)
        assert occurred == te["occurred_at"][i].astype(datetime)
        assert obj["user_id"] == te["user_id"][i]
        assert obj["event_type"] == te["event_type"][i]
        session = obj.get("session_id")
        assert (None if is_blank(session) else session) == te["session_id"][i]
        if obj["event_type"] == "feature_used":
            feature = obj["properties"].get("feature")
            assert (None if is_blank(feature) else feature) == te["feature"][i]
        if obj["event_type"] == "message_sent":
            assert obj["properties"]["message_id"] == te["message_id"][i]


def test_quarantined_rows_reuse_valid_ids(small) -> None:
    _, root = small
    seen = reclassify(root)
    earlier = 0
    for row in seen["rows"]:
        kept = seen["kept"].get(row["event_id"])
        if kept is None or classify(row)[0] is None:
            continue
        # a broken copy received before the valid one: it must not win
        earlier += ts(row["received_at"]) < kept[0][0]
    assert earlier > 0


def test_timestamp_edges(small) -> None:
    _, root = small
    boundary = plus_1us = pg_like = 0
    offsets, digits = set(), Counter()
    for row in read_table(root, "app_events"):
        reason, obj, occurred = classify(row)
        received = ts(row["received_at"])
        text = obj.get("occurred_at") if obj else None
        if reason is None:
            if occurred == received + FIVE_MINUTES:
                boundary += 1
            offsets.add(text[-6:] if text[-1] != "Z" else "Z")
            fraction = re.search(r"\.([0-9]+)", text)
            digits[len(fraction.group(1)) if fraction else 0] += 1
        elif reason == "future_timestamp":
            instant = parse_occurred(text)
            if instant == received + FIVE_MINUTES + timedelta(microseconds=1):
                plus_1us += 1
        elif reason == "invalid_timestamp" and text in (
            "yesterday",
            "now",
            "epoch",
            "today",
            "tomorrow",
            "infinity",
            "-infinity",
        ):
            pg_like += 1
    assert boundary > 0
    assert plus_1us > 0
    assert pg_like > 0
    assert {"Z", "+00:00", "+14:00", "-05:00", "+05:30"} <= offsets
    assert set(digits) == set(range(7))


def test_jsonl_layout(small) -> None:
    dataset, root = small
    assert json.loads((root / "_truth.json").read_text()) == dataset.truth
    for table in contract.RAW_TABLES:
        names = contract.column_names(table)
        part_column = "fetched_at" if table == "billing_subscriptions" else "loaded_at"
        partitions = sorted((root / table).iterdir())
        assert partitions
        rows = 0
        for partition in partitions:
            assert re.fullmatch(r"date=\d{4}-\d{2}-\d{2}", partition.name)
            assert [p.name for p in partition.iterdir()] == ["part-00000.jsonl"]
            with open(partition / "part-00000.jsonl", encoding="utf-8") as fh:
                for line in fh:
                    row = json.loads(line)
                    rows += 1
                    assert list(row) == names
                    day = ts(row[part_column]).date().isoformat()
                    assert partition.name == f"date={day}"
                    for column in contract.RAW_TABLES[table]:
                        value = row[column.name]
                        if column.is_timestamp and value is not None:
                            ts(value)  # parses with the contract's text format
                        elif column.sql_type in ("bigint", "integer"):
                            assert isinstance(value, int)
                        elif value is not None:
                            assert isinstance(value, str)
        assert rows == dataset.truth["raw_rows"][table]


def test_dataset_representation(small) -> None:
    dataset, _ = small
    for table, columns in contract.RAW_TABLES.items():
        cols = dataset.tables[table]
        assert list(cols) == [c.name for c in columns]
        for column in columns:
            values = cols[column.name]
            if column.is_timestamp:
                assert values.dtype == np.dtype("datetime64[us]")
            elif column.sql_type in ("bigint", "integer"):
                assert values.dtype == np.int64
            else:
                assert isinstance(values, list)
    assert np.isnat(dataset.tables["billing_subscriptions"]["canceled_at"]).any()
    assert dataset.progress_messages  # type: ignore[attr-defined]


def test_freshness_and_order(small) -> None:
    dataset, _ = small
    end = np.datetime64(END, "us")
    limits = {
        "app_events": 15,
        "users_cdc": 30,
        "messages_cdc": 15,
        "billing_subscriptions": 120,
    }
    for table, minutes in limits.items():
        column = "fetched_at" if table == "billing_subscriptions" else "loaded_at"
        loaded = dataset.tables[table][column]
        assert loaded.max() <= end
        assert end - loaded.max() <= np.timedelta64(minutes, "m"), table
        assert np.all(loaded[1:] >= loaded[:-1])  # landing order
    events = dataset.tables["app_events"]
    assert np.all(events["received_at"] <= events["loaded_at"])


def test_cdc_replay_matches_truth(small) -> None:
    dataset, root = small
    users = replay_cdc(read_table(root, "users_cdc"), "user_id")
    truth = dataset.truth["users_cdc"]
    assert dict(users["reasons"]) == truth["quarantined"]
    assert users["repeated"] == truth["repeated_rows"]
    assert users["distinct"] == truth["distinct_changes"]
    assert users["out_of_order"] == truth["out_of_order_rows"]
    assert users["deletes"] == truth["deletes"]
    assert users["key_only"] == truth["key_only_deletes"]
    tu = dataset.truth_users
    assert set(users["state"]) == set(tu["user_id"].tolist())
    for i, user_id in enumerate(tu["user_id"].tolist()):
        state = users["state"][user_id]
        assert state["is_deleted"] == bool(tu["is_deleted"][i])
        for column in ("email", "full_name", "phone", "country", "plan"):
            assert state[column] == tu[column][i], column
        assert state["marketing_opt_in"] == bool(tu["marketing_opt_in"][i])
    assert set(users["state"][u]["plan"] for u in users["state"]) == set(contract.PLANS)

    messages = replay_cdc(read_table(root, "messages_cdc"), "message_id")
    truth = dataset.truth["messages_cdc"]
    assert dict(messages["reasons"]) == truth["quarantined"]
    assert messages["repeated"] == truth["repeated_rows"]
    assert messages["out_of_order"] == truth["out_of_order_rows"]
    assert messages["deletes"] == truth["deletes"]
    assert messages["key_only"] == truth["key_only_deletes"]
    tm = dataset.truth_messages
    assert set(messages["state"]) == set(tm["message_id"].tolist())
    for i, message_id in enumerate(tm["message_id"].tolist()):
        state = messages["state"][message_id]
        assert state["is_deleted"] == bool(tm["is_deleted"][i])
        assert state["role"] == tm["role"][i]
        assert state["status"] == tm["status"][i]
        assert state["user_id"] == tm["user_id"][i]
        assert state["content"] == tm["content"][i]
        expected_ms = tm["response_ms"][i]
        if np.isnan(expected_ms):
            assert state["response_ms"] is None
        else:
            assert state["response_ms"] == int(expected_ms)


def test_billing_current_state(small) -> None:
    dataset, root = small
    rows = read_table(root, "billing_subscriptions")
    reasons: Counter = Counter()
    current: dict[str, dict] = {}
    for row in rows:
        if row["subscription_id"] is None:
            reasons["missing_subscription_id"] += 1
            continue
        if row["user_id"] is None:
            reasons["missing_user_id"] += 1
            continue
        rank = (ts(row["updated_at"]), ts(row["fetched_at"]))
        best = current.get(row["subscription_id"])
        if best is None or rank >= (ts(best["updated_at"]), ts(best["fetched_at"])):
            current[row["subscription_id"]] = row
    truth = dataset.truth["billing_subscriptions"]["quarantined"]
    assert {k: reasons[k] for k in truth} == truth
    ts_ = dataset.truth_subscriptions
    assert set(current) == set(ts_["subscription_id"].tolist())
    for i, sub in enumerate(ts_["subscription_id"].tolist()):
        assert current[sub]["status"] == ts_["status"][i]
        assert current[sub]["plan"] == ts_["plan"][i]
        assert (
            current[sub]["amount_cents"] == {"plus": 1000, "pro": 2000}[ts_["plan"][i]]
        )
    assert {row["status"] for row in rows} >= {"active", "canceled"}


def test_realistic_shape(small) -> None:
    dataset, _ = small
    te, tm, tu = dataset.truth_events, dataset.truth_messages, dataset.truth_users
    # every message_sent event (not too close to the end) has its chat rows
    by_id = {m: i for i, m in enumerate(tm["message_id"].tolist())}
    early = te["occurred_at"] < np.datetime64(END - timedelta(hours=1), "us")
    for i in np.flatnonzero((te["event_type"] == "message_sent") & early).tolist():
        j = by_id[te["message_id"][i]]
        assert tm["role"][j] == "user"
        assert tm["user_id"][j] == te["user_id"][i]
    roles = Counter(tm["role"].tolist())
    assert abs(roles["user"] - roles["assistant"]) <= 0.01 * roles["user"] + 5
    assistant = tm["role"] == "assistant"
    error_rate = np.mean(tm["status"][assistant] == "error")
    assert 0.005 < error_rate < 0.05
    latency = tm["response_ms"][assistant]
    assert np.nanpercentile(latency, 99) > 3 * np.nanpercentile(latency, 50)
    # sessions crossing midnight, anonymous ids, countries outside the seed
    sessions: dict[str, list] = defaultdict(list)
    for sid, occurred in zip(te["session_id"], te["occurred_at"], strict=True):
        if sid is not None:
            sessions[sid].append(occurred.astype("datetime64[D]"))
    assert any(min(days) != max(days) for days in sessions.values())
    known = set(tu["user_id"].tolist())
    assert any(u not in known for u in te["user_id"].tolist())
    countries = tu["country"].tolist()
    assert None in countries and "AQ" in countries
    assert {c for c in countries if c} - {"AQ"} <= {
        line.split(",")[0]
        for line in (Path(__file__).parents[2] / "seeds" / "country_regions.csv")
        .read_text()
        .splitlines()[1:]
    }
    assert set(te["platform"].tolist()) == set(contract.PLATFORMS)
    assert tu["is_deleted"].any()
    # weekends are quieter than weekdays
    activity = np.isin(te["event_type"], list(contract.ACTIVITY_EVENT_TYPES))
    dow = (te["occurred_at"][activity].astype("datetime64[D]").astype(np.int64) + 3) % 7
    per_day = np.bincount(dow, minlength=7)
    assert per_day[5:].mean() < per_day[:5].mean()
    # plan history: some paid plans start on the signup day
    changes = dataset.truth_user_changes
    created = dict(zip(tu["user_id"].tolist(), tu["created_at"], strict=True))
    same_day = [
        u
        for u, op, plan, at in zip(
            changes["user_id"],
            changes["op"],
            changes["plan"],
            changes["committed_at"],
            strict=True,
        )
        if op == "u"
        and plan != "free"
        and at.astype("datetime64[D]") == created[u].astype("datetime64[D]")
    ]
    assert same_day


def test_clean_config_has_no_faults(tmp_path: Path) -> None:
    config = GeneratorConfig(
        seed=5, users=80, days=10, end=END, faults=FaultRates().scaled(0)
    )
    dataset = generate(config)
    truth = dataset.truth
    assert sum(truth["events"]["quarantined"].values()) == 0
    assert truth["events"]["duplicates"] == 0
    assert truth["raw_rows"]["app_events"] == truth["events"]["valid_kept"]
    seen = reclassify_dataset(dataset, tmp_path)
    assert not seen["reasons"] and seen["duplicates"] == 0


def reclassify_dataset(dataset: Dataset, out: Path) -> dict:
    write_jsonl(dataset, out)
    return reclassify(out)


def test_rewrite_replaces_stale_partitions(tmp_path: Path) -> None:
    write_jsonl(generate(GeneratorConfig(seed=1, users=30, days=5, end=END)), tmp_path)
    later = GeneratorConfig(seed=1, users=30, days=5, end=END + timedelta(days=30))
    dataset = generate(later)
    write_jsonl(dataset, tmp_path)
    rows = read_table(tmp_path, "app_events")
    assert len(rows) == dataset.truth["raw_rows"]["app_events"]


def test_duckdb_reads_the_raw_zone(small) -> None:
    duckdb = pytest.importorskip("duckdb")
    dataset, root = small
    con = duckdb.connect()
    for table, columns in contract.RAW_TABLES.items():
        types = ", ".join(f"'{c.name}': '{c.sql_type}'" for c in columns)
        count, latest = con.execute(
            f"select count(*), max({columns[-1].name}) from read_json("
            f"'{root / table}/*/*.jsonl', format = 'newline_delimited', "
            f"hive_partitioning = false, columns = {{{types}}})"
        ).fetchone()
        assert count == dataset.truth["raw_rows"][table]
        expected = dataset.tables[table][columns[-1].name].max()
        assert np.datetime64(latest, "us") == expected


def test_helpers() -> None:
    clean = FaultRates().scaled(0)
    assert clean.malformed_json == 0 and clean.duplicate == 0
    assert clean.duplicate_tie == FaultRates().duplicate_tie  # a share, kept
    assert FaultRates().scaled(1000).malformed_json == 1.0
    config = config_for_events(50_000, seed=9)
    assert config.seed == 9 and config.users > 100


# --------------------------------------------------- raw zones written in shards
SHARDED = GeneratorConfig(seed=13, users=300, days=30, end=END)


def test_a_small_config_is_one_shard_written_as_before(tmp_path: Path) -> None:
    config = GeneratorConfig(seed=3, users=120, days=12, end=END)
    zone = write_raw_zone(config, tmp_path / "zone")
    assert zone.shards == 1
    written = write_jsonl(generate(config), tmp_path / "whole")
    assert [p.relative_to(tmp_path / "whole") for p in written] == [
        p.relative_to(tmp_path / "zone") for p in zone.files
    ]
    for path in written:
        relative = path.relative_to(tmp_path / "whole")
        assert (tmp_path / "zone" / relative).read_bytes() == path.read_bytes()


@pytest.fixture(scope="module")
def sharded(tmp_path_factory) -> tuple[dict, Path, int]:
    root = tmp_path_factory.mktemp("sharded")
    zone = write_raw_zone(SHARDED, root, shard_events=4_000)
    assert zone.shards == 3
    assert json.loads((root / "_truth.json").read_text()) == zone.truth
    return zone.truth, root, zone.shards


def test_a_sharded_run_is_deterministic(sharded, tmp_path: Path) -> None:
    _, root, _ = sharded
    again = write_raw_zone(SHARDED, tmp_path, shard_events=4_000)
    for path in again.files:
        assert path.read_bytes() == (root / path.relative_to(tmp_path)).read_bytes()


def test_shards_share_no_id_and_no_lsn(sharded) -> None:
    _, root, shards = sharded
    keys = {
        "app_events": lambda row: [row["event_id"]],
        "users_cdc": lambda row: [str(row["source_lsn"]), *_cdc_keys(row)],
        "messages_cdc": lambda row: [str(row["source_lsn"]), *_cdc_keys(row)],
        "billing_subscriptions": lambda row: [row["subscription_id"]],
    }
    for table, key in keys.items():
        owners: dict[str, set[int]] = defaultdict(set)
        for part in range(shards):
            for path in (root / table).glob(f"date=*/part-{part:05d}.jsonl"):
                for line in path.read_text(encoding="utf-8").splitlines():
                    for value in key(json.loads(line)):
                        if not is_blank(value):  # a missing id is no id
                            owners[str(value)].add(part)
        shared = {value for value, parts in owners.items() if len(parts) > 1}
        assert not shared, (table, sorted(shared)[:5])
        assert len({p for parts in owners.values() for p in parts}) == shards


def _cdc_keys(row: dict) -> list[str | None]:
    """The row's key, read from its images (None where an image is bad)."""
    keys = []
    for image in (row.get("before"), row.get("after")):
        try:
            parsed = json.loads(image) if image else None
        except json.JSONDecodeError:
            parsed = None
        if isinstance(parsed, dict):
            keys.append(parsed.get("user_id") or parsed.get("message_id"))
    return keys


def test_the_shards_truth_adds_up_to_the_raw_zone(sharded) -> None:
    truth, root, shards = sharded
    assert truth["config"]["users"] == SHARDED.users
    assert truth["config"]["shards"] == shards
    for table in contract.RAW_TABLES:
        assert len(read_table(root, table)) == truth["raw_rows"][table], table
    seen = reclassify(root)
    events = truth["events"]
    assert dict(seen["reasons"]) == {
        r: c for r, c in events["quarantined"].items() if c
    }
    assert seen["duplicates"] == events["duplicates"]
    assert len(seen["kept"]) == events["valid_kept"]
    for table, key in (("users_cdc", "user_id"), ("messages_cdc", "message_id")):
        replayed = replay_cdc(read_table(root, table), key)
        assert dict(replayed["reasons"]) == truth[table]["quarantined"], table
        assert replayed["distinct"] == truth[table]["distinct_changes"], table
        assert replayed["out_of_order"] == truth[table]["out_of_order_rows"], table
    occurred = [occurred for _, _, occurred in seen["kept"].values()]
    assert truth["window"]["last_date"] <= str(max(occurred).date())
