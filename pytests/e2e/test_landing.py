"""The landing tooling: raw tables exactly as the contract says, on DuckDB and
Postgres; the loader's round trip; faults found in the landed tables."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path

import oracle
import pytest
from pipeline import pipeline, small_config

from synapse_landing import contract, generator, loader

END = dt.datetime(2026, 6, 30, 12, 0)

DUCKDB_TYPES = {"bigint": "BIGINT", "integer": "INTEGER", "timestamp": "TIMESTAMP"}
POSTGRES_TYPES = {
    "bigint": ("bigint", None),
    "integer": ("integer", None),
    "timestamp": ("timestamp without time zone", None),
}


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> tuple[generator.Dataset, Path]:
    dataset = generator.generate(small_config(seed=21, users=250, days=40, end=END))
    root = tmp_path_factory.mktemp("landing")
    generator.write_jsonl(dataset, root)
    return dataset, root


@pytest.fixture(params=["duckdb", "postgres"])
def engine(request, tmp_path):
    if request.param == "postgres":
        request.getfixturevalue("postgres_server")
    with pipeline(request.param, "landing", tmp_path) as built:
        yield built


def _expected_type(engine: str, sql_type: str):
    if sql_type.startswith("varchar"):
        length = int(sql_type[len("varchar(") : -1])
        return (
            ("VARCHAR", None) if engine == "duckdb" else ("character varying", length)
        )
    if engine == "duckdb":
        return (DUCKDB_TYPES[sql_type], None)
    return POSTGRES_TYPES[sql_type]


def test_raw_tables_match_the_contract(engine, landing) -> None:
    engine.land(landing[1])
    rows = engine.query(
        "select table_name, column_name, data_type, character_maximum_length "
        "from information_schema.columns where table_schema = 'raw' "
        "order by table_name, ordinal_position"
    )
    found: dict[str, list] = {}
    for table, column, data_type, length in rows:
        found.setdefault(table, []).append((column, data_type, length))
    expected = {
        table: [
            (column.name, *_expected_type(engine.engine, column.sql_type))
            for column in columns
        ]
        for table, columns in contract.RAW_TABLES.items()
    }
    assert found == expected


def _file_rows(root: Path, table: str) -> list[tuple]:
    names = contract.column_names(table)
    rows = []
    for path in sorted((root / table).rglob("*.jsonl")):
        for line in path.read_text().splitlines():
            record = json.loads(line)
            assert list(record) == names
            rows.append(tuple(record[name] for name in names))
    return rows


def _as_text(value):
    if isinstance(value, dt.datetime):
        return value.strftime(contract.TIMESTAMP_TEXT_FORMAT)
    return value


def _table_rows(engine, table: str) -> list[tuple]:
    columns = ", ".join(f'"{name}"' for name in contract.column_names(table))
    return [
        tuple(_as_text(value) for value in row)
        for row in engine.query(f"select {columns} from raw.{table}")
    ]


def _key(row: tuple) -> tuple:
    return tuple((value is None, str(value)) for value in row)


def test_loader_round_trip(engine, landing) -> None:
    dataset, root = landing
    landed = engine.land(root)
    for table in contract.RAW_TABLES:
        from_files = sorted(_file_rows(root, table), key=_key)
        assert landed[table] == len(from_files) == dataset.truth["raw_rows"][table]
        assert sorted(_table_rows(engine, table), key=_key) == from_files, table


def test_batches_add_up_to_one_landing(engine, landing) -> None:
    dataset, root = landing
    middle = dt.date(2026, 6, 10)
    first = engine.land(root, until=middle)
    second = engine.land(root, since=middle + dt.timedelta(days=1))
    for table in contract.RAW_TABLES:
        assert first[table] > 0 and second[table] > 0, table
        assert first[table] + second[table] == dataset.truth["raw_rows"][table]
        assert sorted(_table_rows(engine, table), key=_key) == sorted(
            _file_rows(root, table), key=_key
        )


def test_a_batch_can_be_stamped_with_its_loaded_at(engine, landing) -> None:
    stamp = dt.datetime(2026, 7, 1, 9, 30)
    engine.land(landing[1], tables=["app_events"], loaded_at=stamp)
    assert engine.query("select distinct loaded_at from raw.app_events") == [(stamp,)]


def test_landed_faults_equal_the_ground_truth(engine, landing) -> None:
    """Independent reading of the landed rows (pytests/support/oracle.py)."""
    dataset, root = landing
    engine.land(root)
    truth = dataset.truth

    def rows(table):
        target = engine.rows(f"raw.{table}")
        return target

    events = oracle.classify_events(rows("app_events"))
    assert dict(events.reasons) == {
        reason: count for reason, count in truth["events"]["quarantined"].items()
    }
    assert events.duplicates == truth["events"]["duplicates"]
    assert len(events.kept) == truth["events"]["valid_kept"]
    for table, key in (("users_cdc", "user_id"), ("messages_cdc", "message_id")):
        outcome = oracle.resolve_cdc(rows(table), key)
        expected = {k: v for k, v in truth[table]["quarantined"].items() if v}
        assert dict(outcome.reasons) == expected, table
        assert outcome.repeated_rows == truth[table]["repeated_rows"], table
        deletes = [
            row
            for row in rows(table)
            if row["op"] == "d" and oracle.json_object(row["before"])
        ]
        key_only = Counter(list(json.loads(row["before"])) == [key] for row in deletes)
        assert key_only[True] > 0
    billing = Counter(
        oracle.billing_reason(row) for row in rows("billing_subscriptions")
    )
    del billing[None]
    assert dict(billing) == {
        k: v for k, v in truth["billing_subscriptions"]["quarantined"].items() if v
    }


def test_loader_rejects_a_folder_that_is_not_a_raw_zone(tmp_path, engine) -> None:
    (tmp_path / "zone" / "app_events" / "2026-01-01").mkdir(parents=True)
    with pytest.raises(loader.LandingError, match="date=YYYY-MM-DD"):
        engine.land(tmp_path / "zone")
