"""The generator as a package: its contract guards, the raw-zone layout shared
by writer and reader, and the size rule of the package's modules.

The byte-for-byte determinism and truth checks live in ``test_generator.py``;
these tests cover what the split added: errors instead of ``assert`` when data
would break the landing contract, and one module owning the on-disk layout.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from synapse_landing import contract, generator, loader, rawzone
from synapse_landing.generator import (
    activity,
    app_events,
    billing,
    cdc,
    faults,
    messages,
    population,
    user_changes,
)

END = dt.datetime(2026, 3, 1, 12, 0)
TINY = generator.GeneratorConfig(seed=3, users=60, days=4, end=END)
PACKAGE_ROOT = Path(contract.__file__).parent
MAX_MODULE_LINES = 700  # acceptance rule of the generator split (issue 14)


@pytest.fixture(scope="module")
def tiny() -> generator.Dataset:
    return generator.generate(TINY)


def _line_count(path: Path) -> int:
    with open(path, encoding="utf-8") as fh:
        return sum(1 for _ in fh)


def test_no_python_module_of_the_landing_package_is_over_700_lines():
    sizes = {
        str(path.relative_to(PACKAGE_ROOT)): _line_count(path)
        for path in PACKAGE_ROOT.rglob("*.py")
    }
    assert "generator/pipeline.py" in sizes  # the package, not a lone module
    too_long = {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES}
    assert not too_long, f"split these modules (over {MAX_MODULE_LINES} lines)"


def test_writer_refuses_columns_the_contract_does_not_name(tiny, tmp_path):
    tables = dict(tiny.tables)
    columns = dict(tables["app_events"])
    columns["occurred_at"] = columns.pop("received_at")
    tables["app_events"] = columns
    broken = dataclasses.replace(tiny, tables=tables)
    with pytest.raises(contract.ContractViolation, match="app_events"):
        generator.write_jsonl(broken, tmp_path)
    assert not (tmp_path / "app_events").exists()  # checked before writing


def test_reason_codes_must_follow_the_contract(monkeypatch):
    faults._check_against_contract()  # the shipped order agrees
    monkeypatch.setattr(
        contract,
        "EVENT_QUARANTINE_REASONS",
        tuple(reversed(contract.EVENT_QUARANTINE_REASONS)),
    )
    with pytest.raises(contract.ContractViolation, match="EventQuarantine"):
        faults._check_against_contract()


def test_truth_counts_every_contract_reason(tiny):
    events = tiny.truth["events"]
    assert list(events["quarantined"]) == list(contract.EVENT_QUARANTINE_REASONS)
    for table in ("users_cdc", "messages_cdc"):
        reasons = tiny.truth[table]["quarantined"]
        assert list(reasons) == list(contract.CDC_QUARANTINE_REASONS)
    billing_reasons = tiny.truth["billing_subscriptions"]["quarantined"]
    assert list(billing_reasons) == list(contract.BILLING_QUARANTINE_REASONS)


def test_the_loader_reads_the_partitions_the_writer_wrote(tiny, tmp_path):
    written = generator.write_jsonl(tiny, tmp_path)
    assert loader.partition_files is rawzone.partition_files
    for table in contract.RAW_TABLES:
        files = rawzone.partition_files(tmp_path, table)
        assert files == sorted(p for p in written if p.parts[-3] == table)
        rows = sum(_line_count(path) for path in files)
        assert rows == tiny.truth["raw_rows"][table]
        column = rawzone.partition_column(table)
        for path in files:
            day = path.parent.name.removeprefix("date=")
            with open(path, encoding="utf-8") as fh:
                first = json.loads(fh.readline())
            assert first[column].startswith(day)
    last_day = dt.date.fromisoformat(tiny.truth["window"]["last_date"])
    recent = rawzone.partition_files(tmp_path, "app_events", since=last_day)
    assert recent and all(p.parent.name >= f"date={last_day}" for p in recent)


def test_a_rewrite_leaves_no_stale_partition(tiny, tmp_path):
    stale = tmp_path / "app_events" / "date=1999-01-01" / "part-00000.jsonl"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}\n", encoding="utf-8")
    generator.write_jsonl(tiny, tmp_path)
    assert not stale.parent.exists()


@pytest.mark.parametrize(
    "result_type",
    [
        population.Population,
        population.Users,
        population.Sessions,
        activity.Activity,
        activity.BaseEvents,
        messages.Messages,
        billing.Billing,
        user_changes.UserChanges,
        cdc.CdcTables,
        cdc.CdcTable,
        app_events.LandedEvents,
    ],
)
def test_stages_hand_on_frozen_results(result_type):
    assert dataclasses.is_dataclass(result_type)
    assert result_type.__dataclass_params__.frozen
