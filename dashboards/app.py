"""Synapse dashboards: `make dashboard` (or `streamlit run dashboards/app.py`).

Three pages, each at its own URL: /realtime, /business, /weekly_kpis (the
overview at / links to them). They read only the public marts and rt_ views;
synapse_dashboards.connection says which warehouse (SYNAPSE_DASHBOARD_TARGET,
default the DuckDB file of `make build`, opened read-only).
"""

import streamlit as st

PAGES = [
    st.Page(
        "views/realtime.py",
        title="Real-time",
        url_path="realtime",
        icon=":material/monitor_heart:",
    ),
    st.Page(
        "views/business.py",
        title="Business (daily)",
        url_path="business",
        icon=":material/insights:",
    ),
    st.Page(
        "views/weekly_kpis.py",
        title="Weekly KPIs",
        url_path="weekly_kpis",
        icon=":material/calendar_month:",
    ),
]


def overview() -> None:
    """The root page; a separate default page keeps /realtime addressable
    (Streamlit serves its default page only at /)."""
    st.title("Synapse dashboards")
    st.write("Product analytics from the Synapse warehouse's public marts.")
    for page, text in zip(
        PAGES,
        [
            "active users, message rate and system health; refreshes every minute",
            "growth, usage, segments, retention, churn, conversion and regions",
            "the weekly KPI table with week-over-week changes",
        ],
        strict=True,
    ):
        st.page_link(page, label=f"{page.title}: {text}", icon=page.icon)


st.set_page_config(page_title="Synapse dashboards", layout="wide")
st.navigation(
    [st.Page(overview, title="Overview", icon=":material/home:", default=True), *PAGES]
).run()
