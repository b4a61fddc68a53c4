"""Each dashboard page run by Streamlit's AppTest against a built DuckDB
warehouse: no exception, the expected elements, and every headline figure
equal to the mart's value read by an independent SQL query."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pytest
from dashboards_support import (
    duckdb_warehouse,
    expected_business_metrics,
    expected_realtime_metrics,
    one,
    query,
)
from harness import ROOT
from streamlit.testing.v1 import AppTest

from synapse_dashboards import formatting as fmt
from synapse_dashboards import kpis

VIEWS = ROOT / "dashboards" / "views"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return duckdb_warehouse(tmp_path_factory)


def run_page(page: str, path: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    monkeypatch.setenv("SYNAPSE_DASHBOARD_TARGET", "local")
    monkeypatch.setenv("SYNAPSE_DUCKDB_PATH", str(path))
    app = AppTest.from_file(str(VIEWS / f"{page}.py"), default_timeout=60).run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    return app


def metrics(app: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in app.metric}


def chart_specs(app: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in app.get("vega_lite_chart")]


def chart_data(app: AppTest, title: str) -> pd.DataFrame:
    """The data a chart draws (Streamlit ships it as Arrow next to the spec)."""
    for chart in app.get("vega_lite_chart"):
        if json.loads(chart.proto.spec).get("title") == title:
            return pa.ipc.open_stream(chart.proto.datasets[0].data.data).read_pandas()
    raise LookupError(title)


def assert_readable(specs: list[dict]) -> None:
    """Every chart has a title and titled axes; colours from Okabe-Ito."""
    assert specs
    for spec in specs:
        assert spec.get("title"), spec
        for channel in ("x", "y"):
            assert spec["encoding"][channel].get("title"), (spec["title"], channel)


def test_realtime_page_shows_the_rt_views(warehouse, monkeypatch) -> None:
    app = run_page("realtime", warehouse, monkeypatch)
    assert metrics(app) == expected_realtime_metrics(warehouse)
    active = one(warehouse, "select * from mart.rt_active_users")
    specs = chart_specs(app)
    assert_readable(specs)
    assert [s["title"] for s in specs] == [
        "Messages sent per minute (received time, UTC)"
    ]
    captions = " ".join(c.value for c in app.caption)
    assert f"{active['as_of']:%Y-%m-%d %H:%M:%S}" in captions
    assert "refreshes every 60 s" in captions


def test_business_page_default_range_matches_the_marts(warehouse, monkeypatch) -> None:
    app = run_page("business", warehouse, monkeypatch)
    start, end = app.date_input[0].value
    window = one(
        warehouse,
        "select min(activity_date) as first, max(activity_date) as last "
        "from mart.fct_daily_active_users",
    )
    assert end == window["last"]
    assert start == max(window["first"], end - dt.timedelta(days=89))
    assert metrics(app) == expected_business_metrics(warehouse, start, end)
    headers = [h.value for h in app.header]
    assert headers == [
        "User growth",
        "Usage patterns",
        "User segments",
        "Retention by signup cohort",
        "Monthly churn",
        "Conversion",
        "Regional adoption",
    ]
    specs = chart_specs(app)
    assert_readable(specs)
    assert [s["title"] for s in specs] == [
        "New users per day",
        "Cumulative users",
        "Daily, weekly and monthly active users",
        "Stickiness (DAU / MAU)",
        "Sessions per day",
        "Session duration",
        "Feature usage in range",
        "Active users by engagement tier (platforms summed)",
        "Share of each signup cohort active N days later",
        "Share of last month's active users not active this month",
        "Paid conversion within 30 days of signup",
        "Average daily active users by region",
        "New users by region in range",
    ]
    assert not app.info, [i.value for i in app.info]
    drawn = chart_data(app, "Daily, weekly and monthly active users")
    truth = query(
        warehouse,
        "select activity_date, dau, wau, mau from mart.fct_daily_active_users "
        f"where activity_date between date '{start}' and date '{end}' order by 1",
    )
    for series in ("dau", "wau", "mau"):
        points = drawn[drawn["series"] == series.upper()]
        assert list(points["value"]) == [row[series] for row in truth], series
        assert list(pd.to_datetime(points["activity_date"]).dt.date) == [
            row["activity_date"] for row in truth
        ]


def test_business_date_filter_changes_every_figure(warehouse, monkeypatch) -> None:
    app = run_page("business", warehouse, monkeypatch)
    start, end = dt.date(2026, 3, 10), dt.date(2026, 4, 20)
    app.date_input[0].set_value((start, end)).run()
    assert not app.exception
    assert metrics(app) == expected_business_metrics(warehouse, start, end)


def test_business_segments_table_is_the_last_day_of_the_mart(
    warehouse, monkeypatch
) -> None:
    app = run_page("business", warehouse, monkeypatch)
    table = app.dataframe[0].value
    rows = query(
        warehouse,
        "select platform, plan, engagement_tier, active_users "
        "from mart.fct_active_users_by_segment_daily where activity_date = "
        "(select max(activity_date) from mart.fct_active_users_by_segment_daily)",
    )
    expected: dict[tuple[str, str], dict[str, int]] = {}
    for row in rows:
        cells = expected.setdefault((row["platform"], row["plan"]), {})
        cells[row["engagement_tier"]] = row["active_users"]
    shown = {
        (r["platform"], r["plan"]): {t: int(r[t]) for t in ("power", "core", "casual")}
        for r in table.to_dict("records")
    }
    assert shown == {
        key: {t: cells.get(t, 0) for t in ("power", "core", "casual")}
        for key, cells in expected.items()
    }


def test_weekly_page_shows_the_latest_week_with_changes(warehouse, monkeypatch) -> None:
    app = run_page("weekly_kpis", warehouse, monkeypatch)
    weeks = query(warehouse, "select * from mart.rpt_weekly_kpis order by week_start")
    start, _ = app.date_input[0].value
    shown_weeks = [
        w
        for w in weeks
        if w["week_start"] >= start - dt.timedelta(days=start.weekday())
    ]
    current, previous = shown_weeks[-1], shown_weeks[-2]
    assert app.subheader[0].value.startswith(
        f"Week {kpis.week_label(current['week_start'])} (partial: 3 of 7 days"
    )
    assert {m.label: (m.value, m.delta) for m in app.metric} == {
        kpi.label: (
            kpi.show(current[kpi.column]),
            ""
            if kpi.change(current[kpi.column], previous[kpi.column]) == "n/a"
            else kpi.change(current[kpi.column], previous[kpi.column]),
        )
        for kpi in kpis.KPIS
    }
    table = app.dataframe[0].value
    assert list(table["Week"]) == [
        kpis.week_label(w["week_start"]) for w in shown_weeks
    ]
    assert list(table["Messages sent"]) == [
        fmt.count(w["messages_sent"]) for w in shown_weeks
    ]
    assert table["Average DAU vs prev. week"].iloc[-1] == fmt.change(
        current["avg_dau"], previous["avg_dau"]
    )
    assert_readable(chart_specs(app))
    (button,) = app.get("download_button")
    assert button.proto.label == (
        f"Download the {kpis.week_label(current['week_start'])} report (HTML)"
    )
    drawn = chart_data(app, "Messages sent per week")
    assert list(drawn["week"]) == list(table["Week"])
    assert list(drawn["messages_sent"]) == [w["messages_sent"] for w in shown_weeks]


def test_missing_marts_give_plain_messages(tmp_path, monkeypatch) -> None:
    """An empty warehouse and one with an empty mart: words, not tracebacks."""
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    for page in ("realtime", "business", "weekly_kpis"):
        app = run_page(page, empty, monkeypatch)
        assert app.info, page
        assert "does not exist" in " ".join(i.value for i in app.info) or (
            "missing or empty" in " ".join(i.value for i in app.info)
        )
    partial = tmp_path / "partial.duckdb"
    connection = duckdb.connect(str(partial))
    connection.execute("create schema mart")
    connection.execute(
        "create table mart.rt_active_users (as_of timestamp, active_users_5m bigint)"
    )
    connection.close()
    app = run_page("realtime", partial, monkeypatch)
    infos = [i.value for i in app.info]
    assert (
        "Active users: no data, mart.rt_active_users has no rows for this selection."
        in infos
    )
    assert any(
        "active_users_15m, active_users_60m of mart.rt_active_users not shown"
        in c.value
        for c in app.caption
    )
    assert any("mart.rt_system_health does not exist" in i for i in infos)


def test_no_warehouse_file_says_run_make_build(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("SYNAPSE_DUCKDB_PATH", str(tmp_path / "absent.duckdb"))
    monkeypatch.setenv("SYNAPSE_DASHBOARD_TARGET", "local")
    app = AppTest.from_file(str(VIEWS / "business.py"), default_timeout=60).run()
    assert not app.exception
    assert "run `make build` first" in app.error[0].value


def test_app_navigates_to_the_three_pages(warehouse, monkeypatch) -> None:
    """dashboards/app.py: the overview links /realtime, /business and
    /weekly_kpis, and switching page runs that page."""
    monkeypatch.setenv("SYNAPSE_DASHBOARD_TARGET", "local")
    monkeypatch.setenv("SYNAPSE_DUCKDB_PATH", str(warehouse))
    app = AppTest.from_file(str(ROOT / "dashboards" / "app.py"), default_timeout=60)
    app.run()
    assert not app.exception
    links = app.get("page_link")
    assert [link.proto.page for link in links] == [
        "realtime", "business", "weekly_kpis",
    ]  # fmt: skip
    for view, title in [
        ("realtime", "Real-time"),
        ("business", "Business (daily)"),
        ("weekly_kpis", "Weekly KPIs"),
    ]:
        app.switch_page(f"views/{view}.py").run()
        assert not app.exception, view
        assert app.title[0].value == title
        assert app.metric, view
