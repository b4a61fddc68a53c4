"""Every constant of the landing contract has one source per language, and they agree.

dbt reads the vars of ``dbt_project.yml``; Python reads
``synapse_landing.contract``; people read ``docs/catalog``. This module checks
the three say the same, and that nobody copies a list back into a model's SQL
or YAML instead of reading the var. A pure read of files, no dbt run.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from harness import ROOT

from synapse_landing import contract

CONTRACT_DOCS = ROOT / "docs/catalog/_landing_contract__docs.md"
METRICS_DOCS = ROOT / "docs/catalog/_metrics__docs.md"
STAGING_SQL = ("models/staging", "macros/staging")
# libyaml when installed: the models' YAML is large.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@cache
def project_vars() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "dbt_project.yml").read_text())["vars"]


def shared_lists() -> dict[str, list[str]]:
    """The project's list vars that hold contract values, by a readable name."""
    values = project_vars()
    lists = {
        "event_types": values["event_types"],
        "activity_event_types": values["activity_event_types"],
        "cdc_ops": values["cdc_ops"],
    }
    for source, reasons in values["quarantine_reasons"].items():
        lists[f"quarantine_reasons.{source}"] = reasons
    return lists


def backticked(text: str) -> list[str]:
    return re.findall(r"`([^`]+)`", text)


def prose(path: Path, pattern: str) -> str:
    """The one passage of a doc file the pattern matches (whitespace folded)."""
    text = re.sub(r"\s+", " ", path.read_text(encoding="utf-8"))
    matches = re.findall(pattern, text)
    assert len(matches) == 1, f"{path.name}: expected one match of {pattern!r}"
    return matches[0]


# ------------------------------------------------ dbt vars == contract.py


@pytest.mark.parametrize(
    ("var", "python"),
    [
        ("event_types", contract.EVENT_TYPES),
        ("activity_event_types", contract.ACTIVITY_EVENT_TYPES),
        ("cdc_ops", contract.CDC_OPS),
    ],
)
def test_project_var_equals_contract(var: str, python: tuple[str, ...]) -> None:
    assert tuple(project_vars()[var]) == python, (
        f"dbt_project.yml var {var} and synapse_landing.contract disagree"
    )


@pytest.mark.parametrize(
    ("source", "contract_rules"),
    [
        ("app_events", contract.EVENT_QUARANTINE_REASONS),
        ("cdc", contract.CDC_QUARANTINE_REASONS),
        ("billing", contract.BILLING_QUARANTINE_REASONS),
    ],
)
def test_quarantine_reasons_start_with_the_contract_rules(
    source: str, contract_rules: tuple[str, ...]
) -> None:
    """The contract's rules come first, in order; staging adds its own after."""
    reasons = project_vars()["quarantine_reasons"][source]
    assert len(set(reasons)) == len(reasons), f"{source}: a reason twice"
    assert tuple(reasons[: len(contract_rules)]) == contract_rules


def test_future_tolerance_is_the_contract_s() -> None:
    assert (
        project_vars()["future_tolerance_minutes"] == contract.FUTURE_TOLERANCE_MINUTES
    )
    stated = prose(CONTRACT_DOCS, r"`occurred_at` is more than (\d+) minutes")
    assert int(stated) == contract.FUTURE_TOLERANCE_MINUTES


def test_source_freshness_matches_the_monitoring_thresholds() -> None:
    """`dbt source freshness` and mon_pipeline_health judge with one threshold.

    The sources write warn_after as plain numbers, as dbt documents them, and
    the monitoring models read the var; this test keeps the two equal.
    """
    to_minutes = {"minute": 1, "hour": 60, "day": 1440}
    warn_after = {}
    for path in (ROOT / "models").rglob("_*__sources.yml"):
        for source in yaml.safe_load(path.read_text())["sources"]:
            default = (source.get("freshness") or {}).get("warn_after")
            for table in source["tables"]:
                rule = (table.get("freshness") or {}).get("warn_after", default)
                if rule:
                    minutes = rule["count"] * to_minutes[rule["period"]]
                    warn_after[f"{source['name']}.{table['name']}"] = minutes
    thresholds = project_vars()["monitoring_freshness_minutes"]
    assert thresholds == {name: warn_after.get(name) for name in thresholds}


def test_activity_types_are_event_types() -> None:
    assert set(contract.ACTIVITY_EVENT_TYPES) < set(contract.EVENT_TYPES)


# -------------------------------------------- contract.py == the prose


def test_contract_docs_state_the_same_values() -> None:
    docs = CONTRACT_DOCS
    stated = {
        "EVENT_TYPES": backticked(prose(docs, r"`event_type` is not one of ([^;]+);")),
        "PLATFORMS": backticked(prose(docs, r"`platform` \(([^)]+)\)")),
        "PLANS": backticked(prose(docs, r"`plan` \(([^)]+)\)")),
        "PAID_PLANS": backticked(
            prose(docs, r"\| `plan` \| varchar\(16\) \|([^|]+)\|")
        ),
        "SUBSCRIPTION_STATUSES": backticked(
            prose(docs, r"\| `status` \| varchar\(16\) \|([^|]+)\|")
        ),
        "CDC_OPS": backticked(prose(docs, r"\| `op` \| varchar\(1\) \|([^|]+)\|")),
        "EVENT_QUARANTINE_REASONS": re.findall(
            r"\d\. `([a-z_]+)`:", prose(docs, r"in this order, (.+?) Of the valid rows")
        ),
    }
    stated["PAID_PLANS"] = [v for v in stated["PAID_PLANS"] if "paid" not in v]
    for name, values in stated.items():
        assert tuple(values) == getattr(contract, name), (
            f"contract.{name} and {docs.name} disagree: {values}"
        )


def test_metrics_docs_state_the_activity_types() -> None:
    passage = prose(
        METRICS_DOCS, r"An \*\*activity event\*\* is a valid event of type ([^;]+);"
    )
    assert tuple(backticked(passage)) == contract.ACTIVITY_EVENT_TYPES


def test_every_quarantine_reason_is_produced_by_staging() -> None:
    """A reason in the var that no staging SQL emits is a stale constant."""
    sql = " ".join(
        path.read_text(encoding="utf-8")
        for folder in STAGING_SQL
        for path in (ROOT / folder).rglob("*.sql")
    )
    missing = {
        f"{source}.{reason}"
        for source, reasons in project_vars()["quarantine_reasons"].items()
        for reason in reasons
        if f"'{reason}'" not in sql
    }
    assert not missing, f"reasons no staging SQL produces: {sorted(missing)}"


# ------------------------------------- no copies in the models' SQL and YAML


def _copied_list(values: list[Any]) -> str | None:
    """The shared list a literal list was copied from, if any (2+ members)."""
    strings = {str(value) for value in values}
    if len(strings) < 2:
        return None
    for name, shared in shared_lists().items():
        if strings <= set(shared):
            return name
    return None


def _accepted_values(node: Any) -> list[list[Any]]:
    """Every literal `values:` list of an accepted_values test in a YAML tree."""
    found = []
    if isinstance(node, dict):
        test = node.get("accepted_values")
        if isinstance(test, dict):
            values = (test.get("arguments") or test).get("values")
            if isinstance(values, list):
                found.append(values)
        for child in node.values():
            found += _accepted_values(child)
    elif isinstance(node, list):
        for child in node:
            found += _accepted_values(child)
    return found


def test_yaml_tests_read_the_vars() -> None:
    copies = []
    for path in sorted((ROOT / "models").rglob("*.yml")):
        tree = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
        for values in _accepted_values(tree):
            name = _copied_list(values)
            if name:
                copies.append(f"{path.relative_to(ROOT)}: {values} (var {name})")
    assert not copies, (
        "accepted_values lists copied from a dbt var; write "
        "values: \"{{ var('...') }}\" instead: " + "; ".join(copies)
    )


def test_sql_reads_the_vars() -> None:
    in_list = re.compile(r"\bin\s*\(\s*('[^']*'(?:\s*,\s*'[^']*')+)\s*\)", re.I)
    copies = []
    for folder in ("models", "macros", "tests", "snapshots", "analyses"):
        for path in sorted((ROOT / folder).rglob("*.sql")):
            for group in in_list.findall(path.read_text(encoding="utf-8")):
                name = _copied_list(re.findall(r"'([^']*)'", group))
                if name:
                    copies.append(f"{path.relative_to(ROOT)}: ({group}) (var {name})")
    assert not copies, (
        "SQL `in (...)` lists copied from a dbt var; use "
        "{{ sql_string_list(var('...')) }}: " + "; ".join(copies)
    )
