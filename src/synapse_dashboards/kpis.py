"""The weekly KPIs of rpt_weekly_kpis: labels, formats, week-over-week change
and ISO week handling, shared by the Weekly KPIs page and the report file."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from . import formatting as fmt

RELATION = "rpt_weekly_kpis"
WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")


@dataclass(frozen=True)
class Kpi:
    """One KPI column: how to show it and how to compare two weeks of it."""

    column: str
    label: str
    unit: str
    show: Callable[[Any], str]
    is_ratio: bool = False
    lower_is_better: bool = False

    def change(self, current: Any, previous: Any) -> str:
        if self.is_ratio:
            return fmt.point_change(current, previous)
        return fmt.change(current, previous)


KPIS: tuple[Kpi, ...] = (
    Kpi("avg_dau", "Average DAU", "users", lambda v: fmt.decimal(v, 1)),
    Kpi("wau_at_week_end", "WAU at week end", "users", fmt.count),
    Kpi("new_users", "New users", "signups", fmt.count),
    Kpi("messages_sent", "Messages sent", "messages", fmt.count),
    Kpi(
        "assistant_error_rate",
        "Assistant error rate",
        "% of responses",
        lambda v: fmt.percent(v, 2),
        is_ratio=True,
        lower_is_better=True,
    ),
    Kpi(
        "p95_response_ms",
        "p95 response time",
        "ms",
        fmt.milliseconds,
        lower_is_better=True,
    ),
    Kpi(
        "conversion_rate_d30",
        "30-day conversion",
        "% of signups",
        fmt.percent,
        is_ratio=True,
    ),
)
COLUMNS = ("week_start", *(k.column for k in KPIS))


def parse_week(text: str) -> dt.date:
    """'2026-W10' -> the Monday of ISO week 10 of 2026; a clear error otherwise."""
    match = WEEK_PATTERN.match(text.strip())
    if not match:
        raise ValueError(f"week {text!r} is not in the form YYYY-Www (e.g. 2026-W10)")
    year, week = int(match.group(1)), int(match.group(2))
    try:
        return dt.date.fromisocalendar(year, week, 1)
    except ValueError as error:
        raise ValueError(f"week {text!r} does not exist: {error}") from error


def week_label(monday: Any) -> str:
    """A date -> its ISO week, '2026-W10'."""
    iso = pd.Timestamp(monday).date().isocalendar()
    return f"{iso.year}-W{iso.week:02d}"


def normalise(frame: pd.DataFrame) -> pd.DataFrame:
    """week_start as a date, sorted, so weeks compare and look up reliably."""
    if frame.empty or "week_start" not in frame.columns:
        return frame
    out = frame.copy()
    out["week_start"] = pd.to_datetime(out["week_start"]).dt.date
    return out.sort_values("week_start").reset_index(drop=True)


def with_changes(frame: pd.DataFrame) -> pd.DataFrame:
    """A display table: one row per week, each KPI formatted with its change
    on the previous week (the row above, only when it is exactly 7 days back)."""
    frame = normalise(frame)
    rows = []
    previous: dict[str, Any] | None = None
    for record in frame.to_dict("records"):
        week = record["week_start"]
        adjacent = previous is not None and (
            week - previous["week_start"] == dt.timedelta(days=7)
        )
        row: dict[str, str] = {"Week": week_label(week), "Starts": str(week)}
        for kpi in KPIS:
            if kpi.column not in record:
                continue
            row[kpi.label] = kpi.show(record[kpi.column])
            row[f"{kpi.label} vs prev. week"] = (
                kpi.change(record[kpi.column], previous[kpi.column])
                if adjacent and previous is not None
                else fmt.MISSING
            )
        rows.append(row)
        previous = record
    return pd.DataFrame(rows)


def week_and_previous(
    frame: pd.DataFrame, monday: dt.date
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The KPI rows of the week starting `monday` and of the week before."""
    frame = normalise(frame)
    if frame.empty:
        return None, None
    by_week = {r["week_start"]: r for r in frame.to_dict("records")}
    return by_week.get(monday), by_week.get(monday - dt.timedelta(days=7))
