"""One small DuckDB warehouse shared by the dashboard tests of a session, and
independent reads of the marts to compare the pages and the report with."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest
from pipeline import Pipeline, small_config

from synapse_dashboards import formatting as fmt
from synapse_landing import generator

# 70 days ending on a Wednesday: whole months March and April (one churn row),
# observable 30-day conversion cohorts, and a partial last ISO week.
END = dt.datetime(2026, 5, 6, 12, 0)
_BUILT: dict[str, Path] = {}


def duckdb_warehouse(factory: pytest.TempPathFactory) -> Path:
    """Land 150 users over 70 days and build (no data tests), once a session."""
    if "path" in _BUILT:
        return _BUILT["path"]
    workdir = factory.mktemp("dashboards")
    dataset = generator.generate(small_config(seed=13, users=150, days=70, end=END))
    generator.write_jsonl(dataset, workdir / "landing")
    path = workdir / "dashboards.duckdb"
    built = Pipeline(
        "duckdb",
        {"SYNAPSE_DUCKDB_PATH": str(path)},
        "dashboards-duckdb",
        duckdb_path=path,
    )
    built.land(workdir / "landing")
    built.dbt("build", "--exclude-resource-type", "test", "unit_test")
    _BUILT["path"] = path
    return path


def query(path: Path, sql: str) -> list[dict[str, Any]]:
    """Rows of `sql` on the DuckDB file, as dicts (read-only, like the app)."""
    connection = duckdb.connect(str(path), read_only=True)
    try:
        cursor = connection.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    finally:
        connection.close()


def one(path: Path, sql: str) -> dict[str, Any]:
    rows = query(path, sql)
    assert len(rows) == 1, f"expected one row from {sql!r}, got {len(rows)}"
    return rows[0]


def expected_realtime_metrics(path: Path) -> dict[str, str]:
    """The real-time page's figures, as the rt_ views hold them."""
    active = one(path, "select * from mart.rt_active_users")
    health = one(path, "select * from mart.rt_system_health")
    rate = one(
        path,
        "select avg(messages_sent) as mean, count(*) as minutes "
        "from mart.rt_message_rate",
    )
    assert rate["minutes"] == 60
    return {
        "Active users, last 5 min": fmt.count(active["active_users_5m"]),
        "Active users, last 15 min": fmt.count(active["active_users_15m"]),
        "Active users, last 60 min": fmt.count(active["active_users_60m"]),
        "Messages per minute (hour average)": fmt.decimal(rate["mean"], 1),
        "Status": health["status"].upper(),
        "Pipeline lag p95 (last hour)": fmt.seconds(health["pipeline_lag_p95_seconds"]),
        "Assistant error rate (15 min)": fmt.percent(health["error_rate_15m"], 2),
        "Response time p95 (15 min)": fmt.milliseconds(health["p95_response_ms_15m"]),
    }


def expected_business_metrics(
    path: Path, start: dt.date, end: dt.date
) -> dict[str, str]:
    """The business page's headline figures for a range, from the marts."""
    dau = one(
        path,
        f"select * from mart.fct_daily_active_users where activity_date = date '{end}'",
    )
    growth = one(
        path,
        "select sum(new_users) as new_users, max(cumulative_users) as total "
        f"from mart.fct_user_growth_daily where signup_date between date '{start}' "
        f"and date '{end}'",
    )
    sessions = one(
        path,
        "select sum(sessions) as sessions from mart.fct_sessions_daily "
        f"where session_date between date '{start}' and date '{end}'",
    )
    churn = query(
        path,
        "select month_start, churn_rate from mart.fct_monthly_churn "
        f"where month_start between date '{start.replace(day=1)}' and date '{end}' "
        "order by month_start",
    )
    conversion = one(
        path,
        "select sum(converted_d30) as converted, sum(signups) as signups "
        f"from mart.fct_conversion where cohort_date between date '{start}' "
        f"and date '{end}' and converted_d30 is not null",
    )
    expected = {
        "DAU": fmt.count(dau["dau"]),
        "WAU": fmt.count(dau["wau"]),
        "MAU": fmt.count(dau["mau"]),
        "Stickiness (DAU/MAU)": fmt.percent(dau["stickiness"]),
        "New users in range": fmt.count(growth["new_users"]),
        "Total users": fmt.count(growth["total"]),
        "Sessions in range": fmt.count(sessions["sessions"]),
        "30-day conversion (observable cohorts)": fmt.percent(
            conversion["converted"] / conversion["signups"]
        ),
    }
    assert churn, "the dataset must hold a churn month inside the range"
    expected[f"Churn rate, {churn[-1]['month_start']:%Y-%m}"] = fmt.percent(
        churn[-1]["churn_rate"]
    )
    return expected
