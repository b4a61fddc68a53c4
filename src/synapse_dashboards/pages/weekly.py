"""Weekly KPIs page: rpt_weekly_kpis with week-over-week changes."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from .. import charts, kpis, report, ui
from ..connection import Warehouse


def _days_with_data(monday: dt.date, window: tuple[dt.date, dt.date]) -> int:
    first, last = window
    sunday = monday + dt.timedelta(days=6)
    return (min(sunday, last) - max(monday, first)).days + 1


def latest_week(frame: pd.DataFrame, window: tuple[dt.date, dt.date]) -> None:
    """The range's last week as metrics, each with its change on the week before."""
    records = frame.to_dict("records")
    current = records[-1]
    previous = records[-2] if len(records) > 1 else None
    adjacent = previous is not None and (
        (current["week_start"] - previous["week_start"]).days == 7
    )
    days = _days_with_data(current["week_start"], window)
    partial = f" (partial: {days} of 7 days of data)" if days < 7 else ""
    st.subheader(f"Week {kpis.week_label(current['week_start'])}{partial}")
    shown = [k for k in kpis.KPIS if k.column in current]
    for row_start in range(0, len(shown), 4):
        cols = st.columns(4)
        for col, kpi in zip(cols, shown[row_start : row_start + 4], strict=False):
            delta = (
                kpi.change(current[kpi.column], previous[kpi.column])
                if adjacent and previous is not None
                else None
            )
            col.metric(
                kpi.label,
                kpi.show(current[kpi.column]),
                delta=None if delta in (None, "n/a") else delta,
                delta_color="inverse" if kpi.lower_is_better else "normal",
                help=f"Unit: {kpi.unit}. Change: against the previous week.",
            )
    st.caption(
        "Changes are against the previous week: relative for counts and times, "
        "percentage points (pp) for rates. Weeks start on Monday (ISO); in a "
        "partial week at the edge of the data, DAU and WAU use only its days "
        "with data and the counts cover fewer days."
    )


def trends(frame: pd.DataFrame) -> None:
    frame = frame.assign(week=[kpis.week_label(w) for w in frame["week_start"]])
    left, right = st.columns(2)
    activity = {
        c: label
        for c, label in [
            ("avg_dau", "Average DAU"),
            ("wau_at_week_end", "WAU at week end"),
        ]
        if c in frame
    }
    if activity:
        left.altair_chart(
            charts.lines(
                frame,
                x="week",
                series=activity,
                title="Active users per week",
                x_title="ISO week",
                y_title="Active users",
                temporal_unit="O",
            ),
            width="stretch",
        )
    if "messages_sent" in frame:
        right.altair_chart(
            charts.bars(
                frame,
                x="week",
                y="messages_sent",
                title="Messages sent per week",
                x_title="ISO week",
                y_title="Messages",
                x_type="O",
            ),
            width="stretch",
        )


def download(frame: pd.DataFrame, hidden: tuple[str, ...], source: Warehouse) -> None:
    """The same file `synapse-report weekly` writes, for the range's last week."""
    if all(kpi.column in hidden for kpi in kpis.KPIS):
        return
    monday = frame["week_start"].iloc[-1]
    label = kpis.week_label(monday)
    st.download_button(
        f"Download the {label} report (HTML)",
        report.render_html(
            frame.tail(report.TREND_WEEKS), monday, hidden, source.description
        ),
        file_name=f"weekly_kpis_{label}.html",
        mime="text/html",
    )


def render() -> None:
    st.title("Weekly KPIs")
    source: Warehouse = ui.warehouse()
    ui.source_caption(source)
    window = ui.data_window(source)
    picked = ui.date_range(source, default_days=84, key="weekly_range")
    if picked is None or window is None:
        return
    start, end = picked
    result = ui.read(
        source,
        kpis.RELATION,
        list(kpis.COLUMNS),
        date_column="week_start",
        start=start - dt.timedelta(days=start.weekday()),
        end=end,
        order_by=["week_start"],
    )
    if not ui.notice(result, "Weekly KPIs") or "week_start" not in result.frame:
        return
    frame = kpis.normalise(result.frame)
    latest_week(frame, window)
    trends(frame)
    download(frame, result.hidden, source)
    st.subheader("Every week, with week-over-week change")
    st.dataframe(kpis.with_changes(frame), hide_index=True, width="stretch")
