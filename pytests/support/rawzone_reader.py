"""An independent reading of a JSON-lines raw zone, for the generator's tests.

It re-reads the written files and classifies every app event and CDC row
again from the landing contract's text, with its own parser and regexes: it
shares no code with the generator, so the generator's ground truth is
checked against an independent reading of the same bytes.
"""

from __future__ import annotations

import calendar
import json
import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path

from synapse_landing import contract

TS_FORMAT = contract.TIMESTAMP_TEXT_FORMAT
FIVE_MINUTES = timedelta(minutes=contract.FUTURE_TOLERANCE_MINUTES)


def read_table(root: Path, table: str) -> list[dict]:
    rows = []
    for path in sorted((root / table).glob("date=*/part-*.jsonl")):
        with open(path, encoding="utf-8") as fh:
            rows.extend(json.loads(line) for line in fh)
    return rows


def ts(text: str | None) -> datetime | None:
    return None if text is None else datetime.strptime(text, TS_FORMAT)


# ------------------------------------------- independent reading of the contract
OCCURRED = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]{1,6}))?(Z|[+-][0-9]{2}:[0-9]{2})"
)
EVENT_TYPES = set(contract.EVENT_TYPES)


def parse_occurred(value) -> datetime | None:
    """The contract's occurred_at form as a naive UTC instant, else None."""
    if not isinstance(value, str):
        return None
    match = OCCURRED.fullmatch(value)
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in match.groups()[:6])
    fraction, offset = match.group(7), match.group(8)
    if year < 1 or not 1 <= month <= 12:
        return None
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    if hour > 23 or minute > 59 or second > 59:
        return None
    local = datetime(
        year, month, day, hour, minute, second, int((fraction or "").ljust(6, "0"))
    )
    if offset == "Z":
        return local
    off_h, off_m = int(offset[1:3]), int(offset[4:6])
    if off_m > 59 or off_h * 60 + off_m > 14 * 60:
        return None
    delta = timedelta(hours=off_h, minutes=off_m)
    try:
        return local - delta if offset[0] == "+" else local + delta
    except OverflowError:
        return None


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def classify(row: dict) -> tuple[str | None, dict | None, datetime | None]:
    """(first failing reason or None, payload object, occurred instant)."""
    try:
        obj = json.loads(row["payload"])
    except ValueError:
        return "malformed_json", None, None
    if not isinstance(obj, dict):
        return "malformed_json", None, None
    if is_blank(row["event_id"]):
        return "missing_event_id", obj, None
    user_id = obj.get("user_id")
    if not isinstance(user_id, str) or user_id.strip() == "":
        return "missing_user_id", obj, None
    if obj.get("event_type") not in EVENT_TYPES:
        return "unknown_event_type", obj, None
    occurred = parse_occurred(obj.get("occurred_at"))
    if occurred is None:
        return "invalid_timestamp", obj, None
    if occurred > ts(row["received_at"]) + FIVE_MINUTES:
        return "future_timestamp", obj, None
    return None, obj, occurred


def reclassify(root: Path) -> dict:
    rows = read_table(root, "app_events")
    reasons: Counter = Counter()
    kept: dict[str, tuple] = {}
    valid = 0
    for row in rows:
        reason, obj, occurred = classify(row)
        if reason:
            reasons[reason] += 1
            continue
        valid += 1
        rank = (
            ts(row["received_at"]),
            ts(row["loaded_at"]),
            row["payload"].encode("utf-8"),
        )
        best = kept.get(row["event_id"])
        if best is None or rank < best[0]:
            kept[row["event_id"]] = (rank, obj, occurred)
    return {
        "rows": rows,
        "reasons": reasons,
        "valid": valid,
        "kept": kept,
        "duplicates": valid - len(kept),
    }


def cdc_reason(row: dict, key: str) -> str | None:
    images = []
    for column in ("before", "after"):
        if row[column] is None:
            continue
        try:
            image = json.loads(row[column])
        except ValueError:
            return "malformed_json"
        if not isinstance(image, dict):
            return "malformed_json"
        images.append(image)
    if all(image.get(key) is None for image in images):
        return "missing_key"
    return None


def replay_cdc(rows: list[dict], key: str) -> dict:
    """Current state, quarantine and delivery counts of a CDC table."""
    reasons: Counter = Counter()
    changes: dict[tuple, dict] = {}
    valid = 0
    for row in rows:
        reason = cdc_reason(row, key)
        if reason:
            reasons[reason] += 1
            continue
        valid += 1
        image = json.loads(row["after"] or row["before"])
        ident = (image[key], row["source_lsn"])
        loaded = ts(row["loaded_at"])
        if ident not in changes:
            changes[ident] = {**row, "first_loaded": loaded}
        changes[ident]["first_loaded"] = min(changes[ident]["first_loaded"], loaded)
    by_key: dict[str, list[dict]] = defaultdict(list)
    for (k, _lsn), change in changes.items():
        by_key[k].append(change)
    state, out_of_order = {}, 0
    for k, items in by_key.items():
        items.sort(key=lambda c: c["source_lsn"])
        later_min = None
        for change in reversed(items):
            if later_min is not None and change["first_loaded"] > later_min:
                out_of_order += 1
            later_min = (
                change["first_loaded"]
                if later_min is None
                else min(later_min, change["first_loaded"])
            )
        last = items[-1]
        attrs = next(
            (json.loads(c["after"]) for c in reversed(items) if c["op"] != "d"), {}
        )
        state[k] = {
            **attrs,
            "is_deleted": last["op"] == "d",
            "source_ts_ms": last["source_ts_ms"],
        }
    deletes = [c for c in changes.values() if c["op"] == "d"]
    return {
        "reasons": reasons,
        "repeated": valid - len(changes),
        "distinct": len(changes),
        "out_of_order": out_of_order,
        "deletes": len(deletes),
        "key_only": sum(1 for c in deletes if list(json.loads(c["before"])) == [key]),
        "state": state,
    }
