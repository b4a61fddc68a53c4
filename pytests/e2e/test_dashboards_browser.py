"""The dashboards in a real browser: Debian's chromium driven by Playwright
(no browser is downloaded). Starts `streamlit run dashboards/app.py` on a free
port, opens each page, waits for its charts to draw, checks the headline
figures against the marts and saves screenshots to target/screenshots/."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from dashboards_support import (
    duckdb_warehouse,
    expected_business_metrics,
    expected_realtime_metrics,
    one,
    query,
)
from harness import BIN, ROOT

from synapse_dashboards import kpis

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "target" / "screenshots"
REFRESH_SECONDS = 3


def _ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return duckdb_warehouse(tmp_path_factory)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_healthy(url: str, server: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"streamlit exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.read().decode().strip() == "ok":
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"streamlit did not answer at {url} within {timeout} s")


@pytest.fixture(scope="module")
def server(warehouse: Path, tmp_path_factory) -> Iterator[str]:
    port = _free_port()
    log = tmp_path_factory.mktemp("streamlit") / "server.log"
    env = {
        **os.environ,
        "SYNAPSE_DUCKDB_PATH": str(warehouse),
        "SYNAPSE_DASHBOARD_TARGET": "local",
        "SYNAPSE_DASHBOARD_REFRESH_SECONDS": str(REFRESH_SECONDS),
    }
    command = [
        str(BIN / "streamlit"), "run", "dashboards/app.py",
        "--server.headless", "true",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--server.fileWatcherType", "none",
        "--browser.gatherUsageStats", "false",
    ]  # fmt: skip
    with log.open("w") as output:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, process)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    assert "Traceback" not in log.read_text(), log.read_text()[-3000:]


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium)"
        if _ci():
            pytest.fail(f"CI=true requires the browser: {message}")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


def open_page(browser, url: str, charts: int, metrics: int):
    """Load a page; return once its metrics are shown and its charts drawn."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(url)
    page.wait_for_function(
        "([charts, metrics]) =>"
        " document.querySelectorAll('[data-testid=\"stMetric\"]').length >= metrics"
        " && document.querySelectorAll("
        "'[data-testid=\"stVegaLiteChart\"] .marks').length >= charts",
        arg=[charts, metrics],
        timeout=90_000,
    )
    return page


def shown_metrics(page) -> dict[str, str]:
    shown = {}
    for metric in page.locator('[data-testid="stMetric"]').all():
        label = metric.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        shown[label] = metric.locator('[data-testid="stMetricValue"]').inner_text()
    return {label: value.strip() for label, value in shown.items()}


def screenshot(page, name: str) -> Path:
    """The whole page: the viewport grows to the app's scroll height first."""
    height = page.evaluate(
        "document.querySelector('[data-testid=\"stMain\"]').scrollHeight"
    )
    page.set_viewport_size({"width": 1400, "height": min(max(height, 1000), 8000)})
    page.wait_for_timeout(1500)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    assert path.stat().st_size > 20_000
    return path


def test_realtime_page_refreshes_without_reloading(browser, server, warehouse):
    page = open_page(browser, f"{server}/realtime", charts=1, metrics=8)
    assert page.url.endswith("/realtime")
    assert page.locator("h1").first.inner_text() == "Real-time"
    assert shown_metrics(page) == expected_realtime_metrics(warehouse)
    page.evaluate("window.__loadedOnce = true")
    caption = page.get_by_text("Refreshed at")
    first = caption.inner_text()
    page.wait_for_function(
        "(first) => [...document.querySelectorAll("
        "'[data-testid=\"stCaptionContainer\"]')].some("
        "e => e.innerText.startsWith('Refreshed at') && e.innerText !== first)",
        arg=first,
        timeout=30_000,
    )
    assert page.evaluate("window.__loadedOnce === true"), "the page was reloaded"
    screenshot(page, "realtime")
    page.close()


def test_business_page_shows_the_marts(browser, server, warehouse):
    page = open_page(browser, f"{server}/business", charts=13, metrics=9)
    window = one(
        warehouse,
        "select min(activity_date) as first, max(activity_date) as last "
        "from mart.fct_daily_active_users",
    )
    end = window["last"]
    start = max(window["first"], end - dt.timedelta(days=89))
    assert shown_metrics(page) == expected_business_metrics(warehouse, start, end)
    screenshot(page, "business")
    page.close()


def test_weekly_kpis_page_shows_the_latest_week(browser, server, warehouse):
    page = open_page(browser, f"{server}/weekly_kpis", charts=2, metrics=7)
    latest = query(
        warehouse, "select * from mart.rpt_weekly_kpis order by week_start desc limit 1"
    )[0]
    heading = page.locator("h3").first.inner_text()
    assert heading.startswith(f"Week {kpis.week_label(latest['week_start'])}")
    assert shown_metrics(page) == {
        kpi.label: kpi.show(latest[kpi.column]) for kpi in kpis.KPIS
    }
    screenshot(page, "weekly_kpis")
    page.close()
