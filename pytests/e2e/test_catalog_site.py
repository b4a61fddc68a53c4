"""The static catalog site works in a real browser: Debian's chromium, driven
by Playwright, never a downloaded browser.

`make docs` builds the site (synapse_devtools.docs_site) from a small built
warehouse; the test finds a mart through the search box, checks its columns
and their descriptions, reads its "Latest checks", opens the lineage graph,
and saves screenshots to target/screenshots/.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import small_warehouse
from harness import PROFILES_DIR, ROOT, ensure_profiles, work_dir

pytestmark = pytest.mark.slow

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
MART = "fct_daily_active_users"
GRAPH_LABELS = """() => angular.element(document.body).injector().get('graph')
    .graph.elements.filter((e) => e.data && e.data.label).map((e) => e.data.label)"""


def _require_chromium() -> None:
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing: apt-get install chromium (see .ci/run)"
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"CI=true requires the system browser: {message}")
    pytest.skip(message)


@pytest.fixture(scope="module")
def site() -> tuple[Path, str]:
    """Builds the catalog like `make docs` does; returns the page and output."""
    built = small_warehouse.duckdb_warehouse()
    target_dir = work_dir(built.run_name)
    ensure_profiles()
    result = subprocess.run(
        [
            *(sys.executable, "-m", "synapse_devtools.docs_site"),
            *("--target", "local", "--target-path", str(target_dir)),
        ],
        cwd=ROOT,
        env={**os.environ, "DBT_PROFILES_DIR": str(PROFILES_DIR), **built.env},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    return target_dir / "static_index.html", result.stdout


@pytest.fixture(scope="module")
def page(site) -> Iterator:
    _require_chromium()
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.set_default_timeout(20_000)
            page.goto(site[0].as_uri())
            page.wait_for_selector("#search")
            yield page
        finally:
            browser.close()


def test_make_docs_says_how_to_open_the_site(site) -> None:
    path, output = site
    assert path.stat().st_size > 1_000_000, "the site embeds manifest and catalog"
    assert f"open file://{path}" in output
    assert "latest checks from" in output


def test_the_overview_is_the_landing_page(page) -> None:
    heading = page.locator("h1", has_text="Synapse analytics: the data catalog")
    heading.wait_for()
    page.screenshot(path=SCREENSHOTS / "01-overview.png")


def test_search_finds_the_mart_and_lists_described_columns(page) -> None:
    page.fill("#search", MART)
    result = page.locator(".search-result", has=page.locator("h4", has_text=MART))
    result.first.wait_for()
    page.screenshot(path=SCREENSHOTS / "02-search.png")
    result.first.click()
    page.wait_for_url(f"**/model/model.synapse.{MART}")
    columns = page.locator("section", has=page.locator("h6", has_text="Columns"))
    columns.scroll_into_view_if_needed()
    expected = {
        "activity_date": "UTC date of an activity event",
        "dau": "Daily active users (DAU): distinct users",
        "wau": "Weekly active users (WAU)",
        "mau": "Monthly active users (MAU)",
        "stickiness": "Stickiness: DAU / MAU",
    }
    for column, description in expected.items():
        row = columns.locator("tr", has=page.get_by_text(column, exact=True))
        assert description in row.first.inner_text(), column
    page.screenshot(path=SCREENSHOTS / "03-model-columns.png")


def test_the_mart_page_shows_its_latest_checks(page) -> None:
    checks = page.locator("h3", has_text="Latest checks")
    checks.scroll_into_view_if_needed()
    section = page.locator("table", has_text=f"not_null_{MART}_dau")
    assert "pass" in section.first.inner_text()
    page.screenshot(path=SCREENSHOTS / "04-latest-checks.png")


def test_the_lineage_graph_opens(page) -> None:
    page.locator(".launcher-btn").click()
    graph = page.locator(".launcher-window")
    graph.wait_for(state="visible")
    page.wait_for_timeout(1500)  # the graph animates its layout
    assert graph.locator("canvas").first.is_visible()
    # Cytoscape draws labels on a canvas: read them from the graph service.
    labels = page.evaluate(GRAPH_LABELS)
    for node in (
        "int_user_days_aggregated",  # upstream
        MART,
        "rpt_weekly_kpis",  # downstream
        "Business dashboard",  # the exposure that reads it
    ):
        assert node in labels
    page.screenshot(path=SCREENSHOTS / "05-lineage.png")


def test_a_source_page_shows_the_contract_and_freshness(page) -> None:
    page.goto(page.url.split("#")[0] + "#!/source/source.synapse.app.app_events")
    page.get_by_text("Validity and deduplication", exact=False).or_(
        page.get_by_text("raw.app_events", exact=False)
    ).first.wait_for()
    body = page.locator("body").inner_text()
    assert "Freshness:" in body
    assert "strict ISO-8601" in body  # the landing contract, on the source
    page.screenshot(path=SCREENSHOTS / "06-source.png")


def test_nothing_downloads_a_browser() -> None:
    """Only the system chromium is used: no build step fetches Playwright's."""
    scripts = [ROOT / "Makefile", ROOT / ".ci" / "run"]
    scripts += sorted((ROOT / ".github").rglob("*.yml"))
    offenders = [
        str(path.relative_to(ROOT))
        for path in scripts
        if path.exists() and "playwright install" in path.read_text()
    ]
    assert offenders == []
