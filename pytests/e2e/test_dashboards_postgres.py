"""The dashboards on Postgres read as a login role that is a member of
`reporter` (or `analyst`), with column grants: a column the role is denied is
not shown and nothing fails; a granted column shows the mart's value.

The project's `reporter` may read every non-confidential mart column, so the
dashboards show everything to it. To prove that denied columns are hidden,
this module builds with a stricter `reporter` (public columns only), passed
to dbt through the var column_access_roles."""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
import yaml
from harness import BIN, ROOT, ensure_roles, postgres_admin_settings
from pipeline import Pipeline, pipeline, small_config
from streamlit.testing.v1 import AppTest

from synapse_dashboards import kpis
from synapse_dashboards.connection import Warehouse
from synapse_landing import generator

pytestmark = pytest.mark.postgres
VIEWS = ROOT / "dashboards" / "views"
MODELS = ("rpt_weekly_kpis", "rt_active_users", "rt_message_rate", "rt_system_health")


def classifications(model: str) -> dict[str, str]:
    """Column -> meta.classification of a mart, from its YAML (the grants' source)."""
    for path in (ROOT / "models" / "marts").glob("*/_*__models.yml"):
        for node in yaml.safe_load(path.read_text()).get("models", []):
            if node["name"] == model:
                return {c["name"]: c["meta"]["classification"] for c in node["columns"]}
    raise LookupError(model)


def project_roles() -> dict[str, dict[str, list[str]]]:
    project = yaml.safe_load((ROOT / "dbt_project.yml").read_text())
    return project["vars"]["column_access_roles"]


# The project's roles, with `reporter` narrowed to public columns.
STRICT_ROLES = {
    **project_roles(),
    "reporter": {"classifications": ["public"], "schemas": ["mart"]},
}


def readable(role: str, model: str, roles: dict | None = None) -> list[str]:
    allowed = (roles or STRICT_ROLES)[role]["classifications"]
    return [c for c, level in classifications(model).items() if level in allowed]


def test_project_reporter_may_read_every_dashboard_figure() -> None:
    """With the project's own grants, nothing the dashboards read is hidden
    from `reporter`: every column of the marts they read is granted."""
    for model in (*MODELS, "fct_daily_active_users", "fct_user_growth_daily"):
        everything = list(classifications(model))
        assert readable("reporter", model, project_roles()) == everything, model


def _admin() -> psycopg2.extensions.connection:
    connection = psycopg2.connect(**postgres_admin_settings())
    connection.autocommit = True
    return connection


@pytest.fixture(scope="module")
def built(request, tmp_path_factory) -> Iterator[Pipeline]:
    """The weekly and real-time marts on Postgres, grants applied."""
    request.getfixturevalue("postgres_server")
    ensure_roles(("reporter", "analyst", "pii_reader"))
    workdir = tmp_path_factory.mktemp("dashboards_pg")
    end = dt.datetime(2026, 5, 6, 12, 0)
    dataset = generator.generate(small_config(seed=17, users=80, days=40, end=end))
    generator.write_jsonl(dataset, workdir / "landing")
    with pipeline("postgres", "dashboards", workdir) as warehouse:
        warehouse.land(workdir / "landing")
        selection = " ".join(f"+{model}" for model in MODELS)
        warehouse.dbt(
            "build", "--select", selection,
            "--exclude-resource-type", "test", "unit_test",
            "--vars", json.dumps({"column_access_roles": STRICT_ROLES}),
        )  # fmt: skip
        yield warehouse


@pytest.fixture(scope="module")
def logins(built: Pipeline) -> Iterator[dict[str, dict[str, str]]]:
    """A throwaway login per role (member of it), as a dashboard would use."""
    made = {}
    admin = _admin()
    try:
        with admin.cursor() as cursor:
            for role in ("reporter", "analyst"):
                user = f"dash_{role}_{secrets.token_hex(4)}"
                generated = secrets.token_urlsafe(16)
                cursor.execute(
                    f"create role {user} login password %s in role {role}", (generated,)
                )
                made[role] = {
                    "SYNAPSE_DASHBOARD_TARGET": "postgres",
                    "SYNAPSE_PG_DATABASE": built.database or "",
                    "SYNAPSE_REPORTER_USER": user,
                    "SYNAPSE_REPORTER_PASSWORD": generated,
                }
        yield made
    finally:
        with admin.cursor() as cursor:
            for env in made.values():
                cursor.execute(f"drop role if exists {env['SYNAPSE_REPORTER_USER']}")
        admin.close()


def as_role(monkeypatch, env: dict[str, str], check: str = "catalog") -> Warehouse:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Warehouse(target="postgres", privilege_check=check)


@pytest.mark.parametrize("check", ["catalog", "probe"])
@pytest.mark.parametrize("role", ["reporter", "analyst"])
def test_each_role_reads_only_granted_columns(
    built, logins, monkeypatch, role, check
) -> None:
    """Both ways of asking (has_column_privilege, and the per-column probe
    used on Redshift) give exactly the columns the grants allow."""
    source = as_role(monkeypatch, logins[role], check)
    for model in MODELS:
        everything = list(classifications(model))
        result = source.read(model, everything)
        assert list(result.frame.columns) == readable(role, model), (model, check)
        assert set(result.hidden) == set(everything) - set(readable(role, model))


def test_reporter_reads_the_granted_dates(built, logins, monkeypatch) -> None:
    source = as_role(monkeypatch, logins["reporter"])
    weeks = source.read("rpt_weekly_kpis", ["week_start"], order_by=["week_start"])
    truth = built.query("select week_start from mart.rpt_weekly_kpis order by 1")
    assert list(weeks.frame["week_start"]) == [row[0] for row in truth]
    assert weeks.hidden == ()


def test_analyst_reads_the_internal_kpis(built, logins, monkeypatch) -> None:
    source = as_role(monkeypatch, logins["analyst"])
    result = source.read("rpt_weekly_kpis", list(kpis.COLUMNS), order_by=["week_start"])
    assert result.hidden == ()
    truth = built.rows("mart.rpt_weekly_kpis order by week_start", kpis.COLUMNS)
    frame = result.frame.astype(object)
    shown = frame.where(frame.notna(), None).to_dict("records")
    assert shown == truth


def run_page(page: str, env: dict[str, str], monkeypatch) -> AppTest:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    app = AppTest.from_file(str(VIEWS / f"{page}.py"), default_timeout=60).run()
    assert not app.exception, [e.value for e in app.exception]
    assert not app.error, [e.value for e in app.error]
    return app


def test_pages_as_reporter_hide_denied_columns(logins, monkeypatch) -> None:
    weekly = run_page("weekly_kpis", logins["reporter"], monkeypatch)
    assert not weekly.metric
    denied = [c for c in kpis.COLUMNS if c not in readable("reporter", kpis.RELATION)]
    captions = " ".join(c.value for c in weekly.caption)
    assert f"{', '.join(denied)} of mart.rpt_weekly_kpis not shown" in captions
    realtime = run_page("realtime", logins["reporter"], monkeypatch)
    assert not realtime.metric
    infos = " ".join(i.value for i in realtime.info)
    assert "System health: not shown, none of the columns it needs is readable" in infos


def test_weekly_page_as_analyst_shows_the_mart(built, logins, monkeypatch) -> None:
    app = run_page("weekly_kpis", logins["analyst"], monkeypatch)
    latest = built.rows(
        "mart.rpt_weekly_kpis order by week_start desc limit 1", kpis.COLUMNS
    )[0]
    assert {m.label: m.value for m in app.metric} == {
        kpi.label: kpi.show(latest[kpi.column]) for kpi in kpis.KPIS
    }


def report(env: dict[str, str], out: Path, week: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "synapse-report"), "weekly", "--week", week,
         "--target", "postgres", "--out", str(out)],
        cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip


def test_report_needs_a_role_that_may_read_the_kpis(built, logins, tmp_path) -> None:
    monday = built.query("select max(week_start) from mart.rpt_weekly_kpis")[0][0]
    week = kpis.week_label(monday)
    denied = report(logins["reporter"], tmp_path / "reporter.html", week)
    assert denied.returncode == 2
    assert "may read none of the KPI columns of mart.rpt_weekly_kpis" in denied.stderr
    assert not (tmp_path / "reporter.html").exists()
    granted = report(logins["analyst"], tmp_path / "analyst.html", week)
    assert granted.returncode == 0, granted.stderr
    html = (tmp_path / "analyst.html").read_text()
    assert "as dash_analyst_" in html
    assert html.count("<tr data-kpi=") == len(kpis.KPIS)
