"""An independent Python reading of the landing contract.

Tests compare the warehouse with what this module computes from the same raw
rows. It shares no code with the dbt models: it is written from the contract's
text, in plain Python, so a bug in the SQL cannot hide in both places. Only
the contract's value lists come from :mod:`synapse_landing.contract`; they are
data, not logic, and pytests/project/test_constants_agree.py checks them against the
contract's prose and dbt_project.yml.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from synapse_landing import contract

EVENT_TYPES = set(contract.EVENT_TYPES)
ACTIVITY_TYPES = set(contract.ACTIVITY_EVENT_TYPES)
CDC_OPS = set(contract.CDC_OPS)

ISO = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?"
    r"(Z|[+-]\d{2}:\d{2})$"
)
FUTURE_TOLERANCE = dt.timedelta(minutes=contract.FUTURE_TOLERANCE_MINUTES)


def blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def parse_iso(text: Any) -> dt.datetime | None:
    """The contract's timestamp form, as a naive UTC datetime, or None."""
    if not isinstance(text, str):
        return None
    match = ISO.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, offset = match.group(7), match.group(8)
    if not 1 <= year <= 9999 or not 1 <= month <= 12:
        return None
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    if hour > 23 or minute > 59 or second > 59:
        return None
    micros = int((fraction or "0").ljust(6, "0"))
    local = dt.datetime(year, month, day, hour, minute, second, micros)
    if offset == "Z":
        return local
    sign = 1 if offset[0] == "+" else -1
    off_h, off_m = int(offset[1:3]), int(offset[4:6])
    if off_m > 59 or off_h * 60 + off_m > 14 * 60:
        return None
    return local - sign * dt.timedelta(hours=off_h, minutes=off_m)


def json_object(text: Any) -> dict | None:
    if not isinstance(text, str):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


@cache
def text_widths(source: str) -> dict[str, int]:
    """The declared widths (UTF-8 bytes) of the text read from JSON: the
    configuration in dbt_project.yml, not the SQL that applies it."""
    project = Path(__file__).resolve().parents[2] / "dbt_project.yml"
    widths = yaml.safe_load(project.read_text())["vars"]["landing_text_widths"]
    return {column: int(width) for column, width in widths[source].items()}


def _text_bytes(value: Any) -> int:
    """A JSON member as the column holds it: a string's own UTF-8 bytes; any
    other value as JSON text (its spacing is engine-specific, see
    json_get_text); absent or null holds nothing."""
    if value is None:
        return 0
    text = value if isinstance(value, str) else json.dumps(value)
    if isinstance(value, bool):
        text = "true" if value else "false"
    return len(text.encode("utf-8"))


def too_long(values: dict[str, Any], source: str) -> bool:
    """`value_too_long`: a declared column holds more bytes than its width."""
    widths = text_widths(source)
    return any(_text_bytes(values.get(c)) > w for c, w in widths.items())


def event_reason(row: dict[str, Any]) -> str | None:
    payload = json_object(row["payload"])
    if payload is None:
        return "malformed_json"
    if blank(row["event_id"]):
        return "missing_event_id"
    user_id = payload.get("user_id")
    if not isinstance(user_id, str) or blank(user_id):
        return "missing_user_id"
    if payload.get("event_type") not in EVENT_TYPES:
        return "unknown_event_type"
    occurred = parse_iso(payload.get("occurred_at"))
    if occurred is None:
        return "invalid_timestamp"
    received = row["received_at"]
    if received is not None and occurred > received + FUTURE_TOLERANCE:
        return "future_timestamp"
    properties = payload.get("properties")
    nested = properties if isinstance(properties, dict) else {}
    members = {**payload, "occurred_at_text": payload.get("occurred_at")}
    for name in ("feature", "message_id", "page", "error_code"):
        members[name] = nested.get(name)
    if too_long(members, "app_events"):
        return "value_too_long"
    return None


@dataclass
class EventOutcome:
    reasons: Counter = field(default_factory=Counter)
    kept: dict[str, dict[str, Any]] = field(default_factory=dict)
    duplicates: int = 0

    @property
    def quarantined(self) -> int:
        return sum(self.reasons.values())


def _sort_key(row: dict[str, Any]) -> tuple:
    far = dt.datetime.max
    return (
        row["received_at"] or far,
        row["loaded_at"] or far,
        (row["payload"] or "").encode("utf-8"),
    )


def classify_events(rows: list[dict[str, Any]]) -> EventOutcome:
    """Quarantine reasons, kept copy per event_id, duplicates."""
    outcome = EventOutcome()
    valid: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        reason = event_reason(row)
        if reason:
            outcome.reasons[reason] += 1
        else:
            valid[row["event_id"]].append(row)
    for event_id, copies in valid.items():
        copies.sort(key=_sort_key)
        kept = dict(copies[0])
        payload = json_object(kept["payload"])
        kept["parsed"] = payload
        kept["occurred_at"] = parse_iso(payload["occurred_at"])
        outcome.kept[event_id] = kept
        outcome.duplicates += len(copies) - 1
    return outcome


# ---------- CDC ----------


@dataclass
class CdcOutcome:
    reasons: Counter = field(default_factory=Counter)
    repeated_rows: int = 0
    current: dict[str, dict[str, Any]] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)


def cdc_reason(row: dict[str, Any], key: str) -> str | None:
    before = json_object(row["before"]) if row["before"] is not None else None
    after = json_object(row["after"]) if row["after"] is not None else None
    if (
        (row["before"] is not None and before is None)
        or (row["after"] is not None and after is None)
        or (row["op"] == "d" and before is None)
        or (row["op"] != "d" and after is None)
    ):
        return "malformed_json"
    key_value = (after or {}).get(key) or (before or {}).get(key)
    if blank(key_value):
        return "missing_key"
    image = before if row["op"] == "d" else after
    source = "users_cdc" if key == "user_id" else "messages_cdc"
    if too_long({**(image or {}), key: key_value}, source):
        return "value_too_long"
    return None


def resolve_cdc(rows: list[dict[str, Any]], key: str) -> CdcOutcome:
    """Current state per key: highest LSN decides existence, attributes from
    the latest non-delete image; repeated (key, LSN) rows count once."""
    outcome = CdcOutcome()
    changes: dict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
    for row in rows:
        reason = cdc_reason(row, key)
        if reason:
            outcome.reasons[reason] += 1
            continue
        image = json_object(row["after"] if row["op"] != "d" else row["before"])
        other = json_object(row["before"]) or {}
        row_key = image.get(key) or other.get(key)
        if row["source_lsn"] in changes[row_key]:
            outcome.repeated_rows += 1
            continue
        changes[row_key][row["source_lsn"]] = {**row, "image": image}
    for row_key, by_lsn in changes.items():
        ordered = [by_lsn[lsn] for lsn in sorted(by_lsn)]
        latest = ordered[-1]
        images = [change for change in ordered if change["op"] != "d"]
        attributes = dict(images[-1]["image"]) if images else {key: row_key}
        attributes["is_deleted"] = latest["op"] == "d"
        if attributes["is_deleted"]:
            outcome.deleted.add(row_key)
        outcome.current[row_key] = attributes
    return outcome


def billing_reason(row: dict[str, Any]) -> str | None:
    if blank(row["subscription_id"]):
        return "missing_subscription_id"
    if blank(row["user_id"]):
        return "missing_user_id"
    return None
