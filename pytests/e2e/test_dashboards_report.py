"""`synapse-report weekly`: the file of a week with data carries exactly the
KPIs of rpt_weekly_kpis (and the week before), is self-contained, and a week
without data is a clear error with a non-zero exit and no file."""

from __future__ import annotations

import os
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from dashboards_support import duckdb_warehouse, query
from harness import BIN, ROOT

from synapse_dashboards import kpis


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return duckdb_warehouse(tmp_path_factory)


def report(warehouse: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "SYNAPSE_DUCKDB_PATH": str(warehouse),
        "SYNAPSE_DASHBOARD_TARGET": "local",
    }
    return subprocess.run(
        [str(BIN / "synapse-report"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


class KpiRows(HTMLParser):
    """Collects each KPI row: its raw data-value and its cells' text."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, dict] = {}
        self.current: str | None = None
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        values = dict(attrs)
        for name in ("src", "href"):
            if values.get(name):
                self.external.append(values[name])
        if tag == "link" or tag == "script":
            self.external.append(tag)
        if tag == "tr" and "data-kpi" in values:
            self.current = values["data-kpi"]
            self.rows[self.current] = {"raw": values["data-value"], "cells": []}
        elif tag == "td" and self.current:
            self.rows[self.current]["cells"].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "tr":
            self.current = None

    def handle_data(self, data: str) -> None:
        if self.current and self.rows[self.current]["cells"]:
            self.rows[self.current]["cells"][-1] += data


def test_week_with_data_writes_its_kpis(warehouse, tmp_path) -> None:
    weeks = query(warehouse, "select * from mart.rpt_weekly_kpis order by week_start")
    current, previous = weeks[-3], weeks[-4]
    week = kpis.week_label(current["week_start"])
    out = tmp_path / "report.html"
    result = report(warehouse, "weekly", "--week", week, "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert f"wrote {out}" in result.stdout
    html = out.read_text()
    parser = KpiRows()
    parser.feed(html)
    assert list(parser.rows) == [k.column for k in kpis.KPIS]
    for kpi in kpis.KPIS:
        row = parser.rows[kpi.column]
        value = current[kpi.column]
        assert row["raw"] == ("" if value is None else repr(float(value))), kpi.column
        label, shown, before, change = (cell.strip() for cell in row["cells"])
        assert label.startswith(kpi.label)
        assert shown == kpi.show(value)
        assert before == kpi.show(previous[kpi.column])
        assert change == kpi.change(value, previous[kpi.column])
    # Self-contained: charts are inline SVG, nothing is fetched.
    assert parser.external == []
    assert html.count("<svg") == 4
    titles = re.findall(r"<svg[^>]*><title>([^<]+)</title>", html)
    assert titles == [
        "Active users per week",
        "Messages sent per week",
        "New users per week",
        "Assistant error rate per week",
    ]
    assert f"Synapse weekly KPIs, {week}" in html


def test_default_output_path_is_reports_week(warehouse, tmp_path) -> None:
    weeks = query(warehouse, "select week_start from mart.rpt_weekly_kpis")
    week = kpis.week_label(min(w["week_start"] for w in weeks))
    expected = ROOT / "reports" / f"weekly_kpis_{week}.html"
    expected.unlink(missing_ok=True)
    try:
        result = report(warehouse, "weekly", "--week", week)
        assert result.returncode == 0, result.stderr
        assert expected.is_file()
        # The first week has no previous week: changes say n/a.
        assert expected.read_text().count("<td class='change'>n/a</td>") == len(
            kpis.KPIS
        )
    finally:
        expected.unlink(missing_ok=True)


@pytest.mark.parametrize(
    ("week", "message"),
    [
        (
            "2025-W10",
            "no data for week 2025-W10 (starting 2025-03-03) in "
            "mart.rpt_weekly_kpis; it holds 2026-W09 to 2026-W19",
        ),
        ("2026-W54", "week '2026-W54' does not exist"),
        ("2026-10", "week '2026-10' is not in the form YYYY-Www"),
    ],
)
def test_week_without_data_is_a_clear_error(warehouse, tmp_path, week, message):
    out = tmp_path / "none.html"
    result = report(warehouse, "weekly", "--week", week, "--out", str(out))
    assert result.returncode == 2
    assert message in result.stderr
    assert not out.exists()


def test_missing_warehouse_is_a_clear_error(tmp_path) -> None:
    result = report(tmp_path / "absent.duckdb", "weekly", "--week", "2026-W10")
    assert result.returncode == 2
    assert "run `make build` first" in result.stderr
