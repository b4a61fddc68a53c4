"""Business (daily) page: growth, usage patterns, segments, retention, churn,
conversion and regional adoption over a date range picked by the reader."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from .. import charts, ui
from .. import formatting as fmt
from ..connection import Warehouse

Range = tuple[dt.date, dt.date]


def _dated(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    return frame.assign(**{column: pd.to_datetime(frame[column])})


def headline(source: Warehouse, picked: Range) -> None:
    """The figures of the range's last day, and sums over the range."""
    start, end = picked
    dau = ui.read(
        source,
        "fct_daily_active_users",
        ["activity_date", "dau", "wau", "mau", "stickiness"],
        date_column="activity_date",
        start=end,
        end=end,
    )
    growth = ui.read(
        source,
        "fct_user_growth_daily",
        ["signup_date", "new_users", "cumulative_users"],
        date_column="signup_date",
        start=start,
        end=end,
        order_by=["signup_date"],
    )
    st.markdown(f"**On {end}** (the range's last day) and **over {start} to {end}**")
    cols = st.columns(6)
    if not dau.empty:
        row = dau.frame.iloc[0]
        for col, column, label in [
            (cols[0], "dau", "DAU"),
            (cols[1], "wau", "WAU"),
            (cols[2], "mau", "MAU"),
        ]:
            if column in row:
                col.metric(label, fmt.count(row[column]))
        if "stickiness" in row:
            cols[3].metric("Stickiness (DAU/MAU)", fmt.percent(row["stickiness"]))
    if not growth.empty:
        if "new_users" in growth.frame:
            cols[4].metric(
                "New users in range", fmt.count(growth.frame["new_users"].sum())
            )
        if "cumulative_users" in growth.frame:
            cols[5].metric(
                "Total users", fmt.count(growth.frame["cumulative_users"].iloc[-1])
            )


def user_growth(source: Warehouse, picked: Range) -> None:
    st.header("User growth")
    result = ui.read(
        source,
        "fct_user_growth_daily",
        ["signup_date", "new_users", "cumulative_users"],
        date_column="signup_date",
        start=picked[0],
        end=picked[1],
        order_by=["signup_date"],
    )
    if not ui.notice(result, "User growth"):
        return
    frame = _dated(result.frame, "signup_date")
    left, right = st.columns(2)
    if "new_users" in frame:
        left.altair_chart(
            charts.bars(
                frame,
                x="signup_date",
                y="new_users",
                title="New users per day",
                x_title="Signup date (UTC)",
                y_title="New users (signups)",
            ),
            width="stretch",
        )
    if "cumulative_users" in frame:
        right.altair_chart(
            charts.lines(
                frame,
                x="signup_date",
                series={"cumulative_users": "Total users"},
                title="Cumulative users",
                x_title="Date (UTC)",
                y_title="Users",
            ),
            width="stretch",
        )


def usage_patterns(source: Warehouse, picked: Range) -> None:
    st.header("Usage patterns")
    start, end = picked
    active = ui.read(
        source,
        "fct_daily_active_users",
        ["activity_date", "dau", "wau", "mau", "stickiness"],
        date_column="activity_date",
        start=start,
        end=end,
        order_by=["activity_date"],
    )
    if ui.notice(active, "Active users"):
        frame = _dated(active.frame, "activity_date")
        series = {c: c.upper() for c in ("dau", "wau", "mau") if c in frame}
        left, right = st.columns(2)
        if series:
            left.altair_chart(
                charts.lines(
                    frame,
                    x="activity_date",
                    series=series,
                    title="Daily, weekly and monthly active users",
                    x_title="Date (UTC)",
                    y_title="Active users",
                ),
                width="stretch",
            )
        if "stickiness" in frame:
            right.altair_chart(
                charts.lines(
                    frame,
                    x="activity_date",
                    series={"stickiness": "DAU / MAU"},
                    title="Stickiness (DAU / MAU)",
                    x_title="Date (UTC)",
                    y_title="Stickiness (% of MAU)",
                    y_format=charts.RATIO_FORMAT,
                ),
                width="stretch",
            )
    sessions_and_features(source, picked)


def sessions_and_features(source: Warehouse, picked: Range) -> None:
    start, end = picked
    left, right = st.columns(2)
    sessions = ui.read(
        source,
        "fct_sessions_daily",
        ["session_date", "sessions", "avg_duration_seconds", "median_duration_seconds"],
        date_column="session_date",
        start=start,
        end=end,
        order_by=["session_date"],
    )
    with left:
        if ui.notice(sessions, "Sessions") and "sessions" in sessions.frame:
            frame = _dated(sessions.frame, "session_date")
            st.metric("Sessions in range", fmt.count(frame["sessions"].sum()))
            st.altair_chart(
                charts.bars(
                    frame,
                    x="session_date",
                    y="sessions",
                    title="Sessions per day",
                    x_title="Session date (UTC)",
                    y_title="Sessions",
                ),
                width="stretch",
            )
            if "median_duration_seconds" in frame:
                st.altair_chart(
                    charts.lines(
                        frame.assign(
                            median_duration_minutes=frame["median_duration_seconds"]
                            / 60,
                            avg_duration_minutes=frame.get(
                                "avg_duration_seconds", frame["median_duration_seconds"]
                            )
                            / 60,
                        ),
                        x="session_date",
                        series={
                            "median_duration_minutes": "Median",
                            "avg_duration_minutes": "Mean",
                        },
                        title="Session duration",
                        x_title="Session date (UTC)",
                        y_title="Duration (minutes)",
                        y_format=",.1f",
                    ),
                    width="stretch",
                )
    features = ui.read(
        source,
        "fct_feature_usage_daily",
        ["usage_date", "feature", "users", "uses"],
        date_column="usage_date",
        start=start,
        end=end,
    )
    with right:
        if ui.notice(features, "Feature usage") and features.has("feature", "uses"):
            totals = (
                features.frame.groupby("feature", as_index=False)["uses"]
                .sum()
                .sort_values("uses", ascending=False)
            )
            st.altair_chart(
                charts.horizontal_bars(
                    totals,
                    category="feature",
                    value="uses",
                    title="Feature usage in range",
                    category_title="Feature",
                    value_title="Uses (events)",
                ),
                width="stretch",
            )


def segments(source: Warehouse, picked: Range) -> None:
    st.header("User segments")
    start, end = picked
    result = ui.read(
        source,
        "fct_active_users_by_segment_daily",
        ["activity_date", "platform", "plan", "engagement_tier", "active_users"],
        date_column="activity_date",
        start=start,
        end=end,
    )
    if not ui.notice(result, "User segments"):
        return
    if not result.has("platform", "plan", "engagement_tier", "active_users"):
        return
    frame = _dated(result.frame, "activity_date")
    last = frame[frame["activity_date"] == frame["activity_date"].max()]
    table = (
        last.pivot_table(
            index=["platform", "plan"],
            columns="engagement_tier",
            values="active_users",
            aggfunc="sum",
            fill_value=0,
        )
        .reindex(columns=["power", "core", "casual"], fill_value=0)
        .reset_index()
    )
    st.markdown(
        f"Active users on {last['activity_date'].max().date()} by platform, plan "
        "and engagement tier (a user active on two platforms counts in both)."
    )
    st.dataframe(table, hide_index=True, width="stretch")
    by_tier = frame.groupby(["activity_date", "engagement_tier"], as_index=False)[
        "active_users"
    ].sum()
    st.altair_chart(
        charts.bars(
            by_tier,
            x="activity_date",
            y="active_users",
            colour="engagement_tier",
            colour_title="Engagement tier",
            title="Active users by engagement tier (platforms summed)",
            x_title="Date (UTC)",
            y_title="Active users (user-platforms)",
        ),
        width="stretch",
    )


def retention(source: Warehouse, picked: Range) -> None:
    st.header("Retention by signup cohort")
    result = ui.read(
        source,
        "fct_retention_cohorts",
        ["cohort_date", "cohort_size", "retention_d1", "retention_d7", "retention_d30"],
        date_column="cohort_date",
        start=picked[0],
        end=picked[1],
        order_by=["cohort_date"],
    )
    if not ui.notice(result, "Retention"):
        return
    days = [
        c
        for c in ("retention_d1", "retention_d7", "retention_d30")
        if c in result.frame
    ]
    if not days:
        return
    frame = result.frame.assign(cohort=lambda f: f["cohort_date"].astype(str))
    long = frame.melt("cohort", value_vars=days, var_name="day", value_name="retention")
    long["day"] = long["day"].map(
        {"retention_d1": "Day 1", "retention_d7": "Day 7", "retention_d30": "Day 30"}
    )
    long = long.dropna(subset=["retention"])
    if long.empty:
        st.info("Retention: no cohort in the range is observable yet.")
        return
    st.altair_chart(
        charts.heatmap(
            long,
            x="day",
            y="cohort",
            value="retention",
            title="Share of each signup cohort active N days later",
            x_title="Days after signup",
            y_title="Signup cohort (UTC date)",
            value_title="Retention (% of cohort)",
        ),
        width="stretch",
    )
    st.caption("Blank cells: that day lies outside the data window.")


def churn_and_conversion(source: Warehouse, picked: Range) -> None:
    start, end = picked
    left, right = st.columns(2)
    churn = ui.read(
        source,
        "fct_monthly_churn",
        ["month_start", "active_users_previous_month", "churned_users", "churn_rate"],
        date_column="month_start",
        start=start.replace(day=1),
        end=end,
        order_by=["month_start"],
    )
    with left:
        st.header("Monthly churn")
        if ui.notice(churn, "Monthly churn") and "churn_rate" in churn.frame:
            frame = churn.frame.assign(
                month=pd.to_datetime(churn.frame["month_start"]).dt.strftime("%Y-%m")
            )
            st.metric(
                f"Churn rate, {frame['month'].iloc[-1]}",
                fmt.percent(frame["churn_rate"].iloc[-1]),
            )
            st.altair_chart(
                charts.bars(
                    frame,
                    x="month",
                    y="churn_rate",
                    x_type="O",
                    title="Share of last month's active users not active this month",
                    x_title="Month",
                    y_title="Churn rate (% of users)",
                    y_format=charts.RATIO_FORMAT,
                ),
                width="stretch",
            )
    conversion = ui.read(
        source,
        "fct_conversion",
        ["cohort_date", "signups", "converted_d30", "conversion_rate_d30"],
        date_column="cohort_date",
        start=start,
        end=end,
        order_by=["cohort_date"],
    )
    with right:
        st.header("Conversion")
        if ui.notice(conversion, "Conversion") and conversion.has(
            "signups", "converted_d30", "conversion_rate_d30"
        ):
            observable = conversion.frame.dropna(subset=["converted_d30"])
            if observable.empty:
                st.info("Conversion: no signup cohort in the range is 30 days old yet.")
                return
            st.metric(
                "30-day conversion (observable cohorts)",
                fmt.percent(
                    observable["converted_d30"].sum() / observable["signups"].sum()
                ),
            )
            st.altair_chart(
                charts.lines(
                    _dated(observable, "cohort_date"),
                    x="cohort_date",
                    series={"conversion_rate_d30": "Converted within 30 days"},
                    title="Paid conversion within 30 days of signup",
                    x_title="Signup cohort (UTC date)",
                    y_title="Conversion (% of signups)",
                    y_format=charts.RATIO_FORMAT,
                ),
                width="stretch",
            )


def regions(source: Warehouse, picked: Range) -> None:
    st.header("Regional adoption")
    result = ui.read(
        source,
        "fct_regional_adoption_daily",
        ["activity_date", "region", "active_users", "new_users", "share_of_active"],
        date_column="activity_date",
        start=picked[0],
        end=picked[1],
    )
    if not ui.notice(result, "Regional adoption"):
        return
    if not result.has("region", "active_users", "new_users"):
        return
    days = (picked[1] - picked[0]).days + 1
    totals = result.frame.groupby("region", as_index=False).agg(
        active_user_days=("active_users", "sum"), new_users=("new_users", "sum")
    )
    totals["avg_daily_active_users"] = totals["active_user_days"] / days
    left, right = st.columns(2)
    left.altair_chart(
        charts.horizontal_bars(
            totals,
            category="region",
            value="avg_daily_active_users",
            title="Average daily active users by region",
            category_title="Region",
            value_title="Active users per day",
            value_format=",.1f",
        ),
        width="stretch",
    )
    right.altair_chart(
        charts.horizontal_bars(
            totals,
            category="region",
            value="new_users",
            title="New users by region in range",
            category_title="Region",
            value_title="New users (signups)",
        ),
        width="stretch",
    )


def render() -> None:
    st.title("Business (daily)")
    source = ui.warehouse()
    ui.source_caption(source)
    picked = ui.date_range(source, default_days=90)
    if picked is None:
        return
    headline(source, picked)
    user_growth(source, picked)
    usage_patterns(source, picked)
    segments(source, picked)
    retention(source, picked)
    churn_and_conversion(source, picked)
    regions(source, picked)
