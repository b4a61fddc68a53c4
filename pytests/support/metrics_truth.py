"""The inputs of the metrics oracle (metrics_oracle.py): the generator's
ground truth reshaped into plain rows (`Truth`), plus the small date and
percentile helpers the metric definitions use.

Split from metrics_oracle.py so that no test module passes 700 lines; like
the oracle, it shares no code and no SQL with the dbt project.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from synapse_landing import contract

ACTIVITY_TYPES = set(contract.ACTIVITY_EVENT_TYPES)
SEEDS = Path(__file__).resolve().parents[2] / "seeds"
DAY = dt.timedelta(days=1)

Row = dict[str, Any]


# ----------------------------------------------------------------- helpers
def percentile_cont(values: list[float], fraction: float) -> float | None:
    """Continuous percentile with linear interpolation (SQL percentile_cont)."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def ratio(numerator: float, denominator: float) -> float | None:
    return None if not denominator else numerator / denominator


def _datetimes(values: np.ndarray) -> list[dt.datetime | None]:
    return np.asarray(values).astype("datetime64[us]").tolist()


def _columns(truth: dict[str, np.ndarray], names: list[str]) -> list[Row]:
    converted = {}
    for name in names:
        values = truth[name]
        if np.asarray(values).dtype.kind == "M":
            converted[name] = _datetimes(values)
        else:
            converted[name] = np.asarray(values).tolist()
    count = len(next(iter(converted.values()))) if converted else 0
    return [{name: converted[name][i] for name in names} for i in range(count)]


def date_range(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def country_regions() -> dict[str, str]:
    with open(SEEDS / "country_regions.csv", encoding="utf-8") as handle:
        return {row["country_code"]: row["region"] for row in csv.DictReader(handle)}


# ----------------------------------------------------------------- inputs
@dataclass
class Truth:
    """The generator's truth, reshaped for the metric definitions."""

    events: list[Row]
    users: list[Row]
    messages: list[Row]
    subscriptions: list[Row]
    user_changes: list[Row]
    salt: str = ""
    # derived
    active: dict[dt.date, set[str]] = field(default_factory=dict)
    first_date: dt.date | None = None
    last_date: dt.date | None = None

    @classmethod
    def from_dataset(cls, dataset: Any, salt: str = "") -> Truth:
        truth = cls(
            events=_columns(
                dataset.truth_events,
                [
                    "event_id",
                    "event_type",
                    "user_id",
                    "session_id",
                    "occurred_at",
                    "platform",
                    "feature",
                    "received_at",
                    "loaded_at",
                ],
            ),
            users=_columns(
                dataset.truth_users,
                ["user_id", "email", "country", "plan", "created_at", "is_deleted"],
            ),
            messages=_columns(
                dataset.truth_messages,
                [
                    "message_id",
                    "role",
                    "status",
                    "response_ms",
                    "created_at",
                    "is_deleted",
                ],
            ),
            subscriptions=_columns(
                dataset.truth_subscriptions,
                ["subscription_id", "user_id", "started_at"],
            ),
            user_changes=_columns(
                dataset.truth_user_changes,
                ["user_id", "op", "plan", "committed_at", "source_lsn"],
            ),
            salt=salt,
        )
        truth.active = defaultdict(set)
        for event in truth.activity_events:
            truth.active[event["occurred_at"].date()].add(event["user_id"])
        days = sorted(truth.active)
        truth.first_date, truth.last_date = (
            (days[0], days[-1]) if days else (None, None)
        )
        return truth

    @property
    def activity_events(self) -> list[Row]:
        return [e for e in self.events if e["event_type"] in ACTIVITY_TYPES]

    @property
    def window(self) -> list[dt.date]:
        return date_range(self.first_date, self.last_date)

    def signups(self) -> dict[dt.date, list[Row]]:
        cohorts: dict[dt.date, list[Row]] = defaultdict(list)
        for user in self.users:
            if user["created_at"] is not None:
                cohorts[user["created_at"].date()].append(user)
        return cohorts

    def responses(self) -> list[Row]:
        return [
            m for m in self.messages if m["role"] == "assistant" and not m["is_deleted"]
        ]

    def conversions(self) -> dict[str, dt.datetime]:
        converted: dict[str, dt.datetime] = {}
        for sub in self.subscriptions:
            started = sub["started_at"]
            if started is None:
                continue
            user_id = sub["user_id"]
            converted[user_id] = min(converted.get(user_id, started), started)
        return converted

    def regions(self) -> dict[str, str]:
        seed = country_regions()
        return {u["user_id"]: seed.get(u["country"], "Unknown") for u in self.users}

    def active_between(self, start: dt.date, end: dt.date) -> set[str]:
        users: set[str] = set()
        for day in date_range(start, end):
            users |= self.active.get(day, set())
        return users

    def active_days(self, user_id: str, day: dt.date) -> int:
        return sum(
            1
            for back in range(28)
            if user_id in self.active.get(day - dt.timedelta(days=back), ())
        )

    def plan_on(self, user_id: str, day: dt.date) -> str:
        changes = self._changes_by_user().get(user_id)
        if not changes:
            return "unknown"
        end_of_day = dt.datetime.combine(day + DAY, dt.time())
        committed = [c for c in changes if c["committed_at"] < end_of_day]
        chosen = committed[-1] if committed else changes[0]
        return chosen["plan"]

    def _changes_by_user(self) -> dict[str, list[Row]]:
        if not hasattr(self, "_changes_cache"):
            grouped: dict[str, list[Row]] = defaultdict(list)
            for change in sorted(
                self.user_changes, key=lambda c: (c["committed_at"], c["source_lsn"])
            ):
                grouped[change["user_id"]].append(change)
            self._changes_cache = grouped
        return self._changes_cache
