"""Real-time page: active users, message rate and system health from the rt_
views, redrawn every minute by a fragment (no page reload)."""

from __future__ import annotations

import datetime as dt
import os

import pandas as pd
import streamlit as st

from .. import charts, ui
from .. import formatting as fmt
from ..connection import Warehouse


def refresh_seconds() -> int:
    """60 s; SYNAPSE_DASHBOARD_REFRESH_SECONDS shortens it (the browser test)."""
    return int(os.environ.get("SYNAPSE_DASHBOARD_REFRESH_SECONDS", "60"))


def _as_of(value: object) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M:%S UTC")


def active_users(source: Warehouse) -> None:
    st.subheader("Active users")
    result = ui.read(
        source,
        "rt_active_users",
        ["as_of", "active_users_5m", "active_users_15m", "active_users_60m"],
    )
    if not ui.notice(result, "Active users"):
        return
    row = result.frame.iloc[0]
    cols = st.columns(3)
    for col, (minutes, column) in zip(
        cols,
        [(5, "active_users_5m"), (15, "active_users_15m"), (60, "active_users_60m")],
        strict=True,
    ):
        if column in row:
            col.metric(f"Active users, last {minutes} min", fmt.count(row[column]))
    if "as_of" in row:
        st.caption(f"Newest event received at {_as_of(row['as_of'])}.")


def message_rate(source: Warehouse) -> None:
    st.subheader("Messages per minute, last hour")
    result = ui.read(
        source,
        "rt_message_rate",
        ["minute_start", "messages_sent"],
        order_by=["minute_start"],
    )
    if not ui.notice(result, "Message rate"):
        return
    frame = result.frame
    if not result.has("minute_start", "messages_sent"):
        return
    st.metric(
        "Messages per minute (hour average)",
        fmt.decimal(frame["messages_sent"].mean(), 1),
    )
    frame = frame.assign(minute_start=pd.to_datetime(frame["minute_start"]))
    st.altair_chart(
        charts.bars(
            frame,
            x="minute_start",
            y="messages_sent",
            title="Messages sent per minute (received time, UTC)",
            x_title="Minute (UTC)",
            y_title="Messages per minute",
        ),
        width="stretch",
    )


def system_health(source: Warehouse) -> None:
    st.subheader("System health")
    result = ui.read(
        source,
        "rt_system_health",
        [
            "status",
            "pipeline_lag_p95_seconds",
            "error_rate_15m",
            "p95_response_ms_15m",
            "responses_15m",
        ],
    )
    if not ui.notice(result, "System health"):
        return
    row = result.frame.iloc[0]
    cols = st.columns(4)
    if "status" in row:
        status = str(row["status"])
        cols[0].metric("Status", status.upper())
        if status != "ok":
            st.warning(
                "Alert: the pipeline lag exceeds 30 minutes or the assistant "
                "error rate exceeds 1%."
            )
    if "pipeline_lag_p95_seconds" in row:
        cols[1].metric(
            "Pipeline lag p95 (last hour)", fmt.seconds(row["pipeline_lag_p95_seconds"])
        )
    if "error_rate_15m" in row:
        cols[2].metric(
            "Assistant error rate (15 min)", fmt.percent(row["error_rate_15m"], 2)
        )
    if "p95_response_ms_15m" in row:
        cols[3].metric(
            "Response time p95 (15 min)", fmt.milliseconds(row["p95_response_ms_15m"])
        )


def live(source: Warehouse) -> None:
    """Everything that refreshes; the fragment re-runs only this part."""
    active_users(source)
    message_rate(source)
    system_health(source)
    now = dt.datetime.now(dt.UTC).strftime("%H:%M:%S")
    st.caption(
        f"Refreshed at {now} UTC; refreshes every {refresh_seconds()} s.",
        help="Only this part of the page reloads its data.",
    )


def render() -> None:
    st.title("Real-time")
    source = ui.warehouse()
    ui.source_caption(source)
    st.fragment(run_every=refresh_seconds())(live)(source)
