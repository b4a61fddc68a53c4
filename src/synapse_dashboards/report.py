"""`synapse-report weekly --week YYYY-Www`: the weekly KPI report as one
self-contained HTML file (styles and SVG charts inline, nothing fetched), so
it can be mailed, archived or opened offline. The Monday job runs it."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from . import formatting as fmt
from . import kpis, svg
from .connection import (
    MART_SCHEMA,
    TARGETS,
    Warehouse,
    WarehouseUnavailable,
    default_target,
)

TREND_WEEKS = 8
STYLE = """
body{font-family:system-ui,sans-serif;max-width:1180px;margin:2em auto;color:#222}
h1{margin-bottom:.2em} .meta{color:#555;margin-top:0}
table{border-collapse:collapse;margin:1em 0} th,td{padding:.4em .9em;text-align:right}
th:first-child,td:first-child{text-align:left}
thead th{border-bottom:2px solid #333} tbody tr{border-bottom:1px solid #ddd}
.charts{display:flex;flex-wrap:wrap;gap:1em} .note{color:#555;font-size:.9em}
"""


class NoData(LookupError):
    """The requested week has no row in rpt_weekly_kpis."""


def load_weeks(source: Warehouse, monday: dt.date) -> tuple[pd.DataFrame, tuple]:
    """The report week and up to TREND_WEEKS - 1 weeks before it."""
    result = source.read(
        kpis.RELATION,
        list(kpis.COLUMNS),
        date_column="week_start",
        start=monday - dt.timedelta(weeks=TREND_WEEKS - 1),
        end=monday,
        order_by=["week_start"],
    )
    name = f"{MART_SCHEMA}.{kpis.RELATION}"
    if result.missing:
        raise NoData(f"{name} does not exist in this warehouse; run `make build`")
    if "week_start" not in result.frame.columns:
        raise NoData(f"this role may not read {name}.week_start")
    if all(kpi.column in result.hidden for kpi in kpis.KPIS):
        raise NoData(
            f"this connection's role may read none of the KPI columns of {name} "
            f"({', '.join(result.hidden)}); a report without figures is not written"
        )
    frame = kpis.normalise(result.frame)
    if frame.empty or frame["week_start"].iloc[-1] != monday:
        raise NoData(
            f"no data for week {kpis.week_label(monday)} (starting {monday}) in "
            f"{name}{_available_weeks(source)}"
        )
    return frame, result.hidden


def _available_weeks(source: Warehouse) -> str:
    weeks = kpis.normalise(source.read(kpis.RELATION, ["week_start"]).frame)
    if weeks.empty:
        return "; the mart is empty"
    first, last = weeks["week_start"].iloc[0], weeks["week_start"].iloc[-1]
    return f"; it holds {kpis.week_label(first)} to {kpis.week_label(last)}"


def _kpi_table(current: dict[str, Any], previous: dict[str, Any] | None) -> str:
    rows = []
    for kpi in kpis.KPIS:
        if kpi.column not in current:
            continue
        value = current[kpi.column]
        before = previous.get(kpi.column) if previous else None
        change = kpi.change(value, before) if previous else fmt.MISSING
        raw = "" if value is None or pd.isna(value) else repr(float(value))
        rows.append(
            f'<tr data-kpi="{kpi.column}" data-value="{raw}">'
            f"<td>{escape(kpi.label)} <span class='note'>({escape(kpi.unit)})</span>"
            f"</td><td class='value'>{escape(kpi.show(value))}</td>"
            f"<td>{escape(kpi.show(before) if previous else fmt.MISSING)}</td>"
            f"<td class='change'>{escape(change)}</td></tr>"
        )
    return (
        "<table><thead><tr><th>KPI</th><th>This week</th><th>Previous week</th>"
        "<th>Change</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
    )


def _series(frame: pd.DataFrame, column: str) -> list[float | None]:
    return [None if pd.isna(v) else float(v) for v in frame[column]]


def _charts(frame: pd.DataFrame) -> str:
    labels = [kpis.week_label(w)[5:] for w in frame["week_start"]]
    x_title = f"ISO week of {frame['week_start'].iloc[-1].year}"
    last = len(labels) - 1
    charts = []
    active = {
        label: _series(frame, column)
        for column, label in [("avg_dau", "Average DAU"), ("wau_at_week_end", "WAU")]
        if column in frame
    }
    if active:
        charts.append(
            svg.line_chart(
                labels,
                active,
                title="Active users per week",
                x_title=x_title,
                y_title="Active users",
                tick=fmt.count,
            )
        )
    for column, title, y_title in [
        ("messages_sent", "Messages sent per week", "Messages"),
        ("new_users", "New users per week", "Signups"),
    ]:
        if column in frame:
            charts.append(
                svg.bar_chart(
                    labels,
                    _series(frame, column),
                    title=title,
                    x_title=x_title,
                    y_title=y_title,
                    tick=fmt.count,
                    highlight=last,
                )
            )
    if "assistant_error_rate" in frame:
        charts.append(
            svg.line_chart(
                labels,
                {"Error rate": _series(frame, "assistant_error_rate")},
                title="Assistant error rate per week",
                x_title=x_title,
                y_title="Error rate (% of responses)",
                tick=lambda v: fmt.percent(v, 1),
            )
        )
    return "<div class='charts'>" + "".join(charts) + "</div>"


def render_html(
    frame: pd.DataFrame, monday: dt.date, hidden: Sequence[str], source: str
) -> str:
    """The report page for the week starting `monday` (the frame's last row)."""
    current, previous = kpis.week_and_previous(frame, monday)
    if current is None:
        raise NoData(f"no row for week {kpis.week_label(monday)}")
    week = kpis.week_label(monday)
    sunday = monday + dt.timedelta(days=6)
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    hidden_note = (
        f"<p class='note'>Not shown (not granted to this role): "
        f"{escape(', '.join(hidden))}.</p>"
        if hidden
        else ""
    )
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Synapse weekly KPIs {week}</title><style>{STYLE}</style></head>"
        f"<body><h1>Synapse weekly KPIs, {week}</h1>"
        f"<p class='meta'>Monday {monday} to Sunday {sunday} (UTC) · from "
        f"{escape(source)} · generated {generated}</p>"
        f"<section id='kpis'><h2>Headline figures</h2>"
        f"{_kpi_table(current, previous)}{hidden_note}"
        "<p class='note'>Change: relative for counts and times, percentage points "
        "(pp) for rates. n/a: no value (no responses, or a signup cohort not yet "
        "30 days old) or no previous week. DAU and WAU of a week that is cut by "
        "the start or end of the data use only its days with data.</p></section>"
        f"<section id='trends'><h2>Last {len(frame)} weeks</h2>{_charts(frame)}"
        "</section></body></html>"
    )


def weekly(week: str, out: Path | None, target: str) -> Path:
    """Write the report of `week`; raises NoData or ValueError with a message."""
    monday = kpis.parse_week(week)
    source = Warehouse(target=target)
    frame, hidden = load_weeks(source, monday)
    path = out or Path("reports") / f"weekly_kpis_{kpis.week_label(monday)}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(frame, monday, hidden, source.description))
    return path


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="synapse-report", description="Render Synapse reports as files."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    weekly_cmd = commands.add_parser(
        "weekly", help="the weekly KPI report (rpt_weekly_kpis) as one HTML file"
    )
    weekly_cmd.add_argument("--week", required=True, help="ISO week, e.g. 2026-W10")
    weekly_cmd.add_argument(
        "--out", type=Path, help="output file (default reports/weekly_kpis_<week>.html)"
    )
    weekly_cmd.add_argument(
        "--target",
        choices=TARGETS,
        default=None,
        help="warehouse: local (DuckDB, default), postgres or prod (as reporter)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        target = args.target or default_target()
        path = weekly(args.week, args.out, target)
    except (NoData, ValueError, WarehouseUnavailable) as error:
        print(f"synapse-report: error: {error}", file=sys.stderr)
        return 2
    print(f"synapse-report: wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
