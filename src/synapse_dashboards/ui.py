"""Streamlit helpers shared by the pages: the warehouse of this session, the
date-range filter, and plain-words notices for empty, missing or hidden data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from .connection import MART_SCHEMA, MartRead, Warehouse, WarehouseUnavailable
from .connection import default_target as _default_target


def warehouse() -> Warehouse:
    """The warehouse named by the environment; stops the page with a plain
    message when it cannot be opened (no traceback)."""
    try:
        return Warehouse(target=_default_target())
    except WarehouseUnavailable as error:
        st.error(str(error))
        st.stop()
        raise


def read(
    source: Warehouse, relation: str, columns: Sequence[str], **kwargs
) -> MartRead:
    """Warehouse.read, turning an unavailable warehouse into a page message."""
    try:
        return source.read(relation, columns, **kwargs)
    except WarehouseUnavailable as error:
        st.error(str(error))
        st.stop()
        raise


def notice(result: MartRead, what: str) -> bool:
    """Says in plain words why `what` cannot be shown; True when it can."""
    name = f"{MART_SCHEMA}.{result.relation}"
    if result.missing:
        st.info(f"{what}: no data yet, {name} does not exist in this warehouse.")
        return False
    if result.hidden:
        st.caption(
            f"{what}: {', '.join(result.hidden)} of {name} not shown (not granted "
            "to this connection's role, or not in this warehouse)."
        )
    if result.frame.columns.empty:
        st.info(f"{what}: not shown, none of the columns it needs is readable.")
        return False
    if result.frame.empty:
        st.info(f"{what}: no data, {name} has no rows for this selection.")
        return False
    return True


def data_window(source: Warehouse) -> tuple[dt.date, dt.date] | None:
    """First and latest activity dates (a public column, readable by every role)."""
    result = read(source, "fct_daily_active_users", ["activity_date"])
    if result.empty or "activity_date" not in result.frame.columns:
        return None
    dates = pd.to_datetime(result.frame["activity_date"]).dt.date
    return dates.min(), dates.max()


def date_range(
    source: Warehouse, *, default_days: int = 30, key: str = "date_range"
) -> tuple[dt.date, dt.date] | None:
    """The page's date-range filter; defaults to the last `default_days` days
    of the data window (the data's dates, never the wall clock)."""
    window = data_window(source)
    if window is None:
        st.info(
            f"No data yet: {MART_SCHEMA}.fct_daily_active_users is missing or "
            "empty, so there is no date range to show. Run `make build`."
        )
        return None
    first, last = window
    default_start = max(first, last - dt.timedelta(days=default_days - 1))
    picked = st.date_input(
        "Date range",
        value=(default_start, last),
        min_value=first,
        max_value=last,
        key=key,
        help=f"Data available from {first} to {last} (UTC dates).",
    )
    if isinstance(picked, Sequence) and len(picked) == 2:
        return picked[0], picked[1]
    st.caption("Pick an end date to apply the range.")
    return None


def source_caption(source: Warehouse) -> None:
    st.caption(f"Source: {source.description}")
