"""Scenario: healthy data raises no alert; stale billing, an assistant error
spike and a failing check raise exactly their alerts in mon_alerts, and
`synapse-monitor alerts` prints them and posts each incident once to a
webhook (a local HTTP server on 127.0.0.1). DuckDB; the SQL is the same on
Postgres, whose results tables test_quality_tests.py fills.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
from harness import BIN, ROOT
from pipeline import Pipeline, pipeline, small_config

from synapse_landing import generator
from synapse_landing.generator import messages as assistant_messages

pytestmark = pytest.mark.slow

END = dt.datetime(2026, 6, 30, 12, 0)
HEALTHY_AS_OF = END  # every table landed a batch within its threshold
SCENARIO_AS_OF = END + dt.timedelta(hours=3)  # billing's last pull: 11:00
SPIKE_ERRORS = 40
FAILING_CHECK = "expect_column_values_to_be_between_qf_metrics_bad_stickiness__1__0"
# What the alerts need; `cautious` leaves out tests that also read models
# outside the selection (the raw-to-staging reconciliations).
MARTS = (
    "-s",
    "+path:models/monitoring +fct_assistant_performance_daily",
    "--indirect-selection",
    "cautious",
)


# The same vars on every invocation (dbt parses once); the instant judged
# comes from SYNAPSE_MONITORING_AS_OF, which only the mon_ models read.
VARS = ("--vars", json.dumps({"quality_fixtures": True}))


def _build(built: Pipeline, as_of: dt.datetime, *args: str, check: bool = True):
    built.env["SYNAPSE_MONITORING_AS_OF"] = as_of.isoformat(sep=" ")
    return built.dbt("build", *args, *VARS, check=check)


def _alerts(built: Pipeline) -> list[dict[str, Any]]:
    return built.rows(
        "monitoring.mon_alerts",
        ["alert_id", "rule", "subject", "severity", "opened_at", "observed_value"],
    )


def _insert_spike(built: Pipeline) -> None:
    """An error spike in the hour before SCENARIO_AS_OF, plus fresh events
    and a user change, so only billing goes stale."""
    loaded = SCENARIO_AS_OF - dt.timedelta(minutes=10)
    created = SCENARIO_AS_OF - dt.timedelta(minutes=30)
    stamp = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    epoch_ms = int(created.replace(tzinfo=dt.UTC).timestamp() * 1000)
    statements = []
    for i in range(SPIKE_ERRORS):
        after = json.dumps(
            {
                "message_id": f"m_spike_{i:03d}",
                "conversation_id": "c_spike",
                "user_id": "u_000001",
                "role": "assistant",
                "content": "Something went wrong.",
                "status": "error",
                "response_ms": None,
                "created_at": stamp,
            }
        )
        statements.append(
            "insert into raw.messages_cdc (op, before, after, source_lsn, "
            f"source_ts_ms, loaded_at) values ('c', null, '{after}', "
            f"{10**12 + i}, {epoch_ms}, '{loaded}')"
        )
    payload = json.dumps(
        {
            "event_type": "page_view",
            "user_id": "u_000001",
            "session_id": "s_spike",
            "occurred_at": stamp,
            "platform": "web",
            "properties": {"page": "home"},
        }
    )
    statements.append(
        "insert into raw.app_events (event_id, payload, received_at, loaded_at) "
        f"values ('e_spike', '{payload}', '{created}', '{loaded}')"
    )
    user = json.dumps(
        {
            "user_id": "u_spike",
            "email": "spike@example.com",
            "full_name": "Spike Test",
            "phone": None,
            "country": "PT",
            "plan": "free",
            "marketing_opt_in": False,
            "created_at": stamp,
            "updated_at": stamp,
        }
    )
    statements.append(
        "insert into raw.users_cdc (op, before, after, source_lsn, source_ts_ms, "
        f"loaded_at) values ('c', null, '{user}', {10**12}, {epoch_ms}, '{loaded}')"
    )
    built.execute(*statements)


class Webhook:
    """A Slack-like receiver on 127.0.0.1: records every JSON body posted."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        received = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/alerts"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    yield hook
    hook.close()


def _monitor(built: Pipeline, state: Path, url: str | None):
    env = {**built.env, "SYNAPSE_ALERT_STATE": str(state)}
    if url:
        env["SYNAPSE_ALERT_WEBHOOK_URL"] = url
    import os

    return subprocess.run(
        [str(BIN / "synapse-monitor"), "alerts", "--target", "local"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def scenario(tmp_path_factory, webhook):
    """Healthy build, then the incidents; the alerts seen at each stage."""
    workdir = tmp_path_factory.mktemp("monitoring")
    root = workdir / "landing"
    # The generator's assistant fails 2% of responses, above the design's 1%
    # alert threshold: any busy hour would alert. Healthy means healthy here.
    share = assistant_messages.ASSISTANT_ERROR_SHARE
    assistant_messages.ASSISTANT_ERROR_SHARE = 0.0
    try:
        dataset = generator.generate(small_config(seed=21, users=60, days=35, end=END))
    finally:
        assistant_messages.ASSISTANT_ERROR_SHARE = share
    generator.write_jsonl(dataset, root)
    state = workdir / "sent-alerts.json"
    with pipeline("duckdb", "alerts", workdir) as built:
        built.land(root)
        _build(built, HEALTHY_AS_OF, *MARTS)
        healthy = _alerts(built)
        healthy_cli = _monitor(built, state, webhook.url)
        healthy_posts = len(webhook.bodies)

        _insert_spike(built)
        _build(built, SCENARIO_AS_OF, *MARTS)
        _build(
            built,
            SCENARIO_AS_OF,
            "-s",
            "qf_metrics_bad",
            FAILING_CHECK,
            "--indirect-selection",
            "empty",
            check=False,
        )
        alerts = _alerts(built)
        health = built.rows("monitoring.mon_pipeline_health")
        quality = built.rows("monitoring.mon_data_quality_daily")
        first = _monitor(built, state, webhook.url)
        first_posts = list(webhook.bodies[healthy_posts:])
        second = _monitor(built, state, webhook.url)
        second_posts = len(webhook.bodies) - healthy_posts - len(first_posts)
        plain = _monitor(built, workdir / "unused.json", None)
        yield {
            "healthy": healthy,
            "healthy_cli": healthy_cli,
            "healthy_posts": healthy_posts,
            "alerts": alerts,
            "health": health,
            "quality": quality,
            "first": first,
            "first_posts": first_posts,
            "second": second,
            "second_posts": second_posts,
            "plain": plain,
        }


def test_healthy_data_raises_no_alert(scenario) -> None:
    assert scenario["healthy"] == []
    assert scenario["healthy_cli"].returncode == 0, scenario["healthy_cli"].stderr
    assert "No open alerts" in scenario["healthy_cli"].stdout
    assert scenario["healthy_posts"] == 0


def test_incidents_raise_exactly_their_alerts(scenario) -> None:
    found = {(a["rule"], a["subject"]) for a in scenario["alerts"]}
    anomalies = {s for r, s in found if r == "anomaly"}
    assert found - {("anomaly", s) for s in anomalies} == {
        ("source_freshness", "billing.billing_subscriptions"),
        ("assistant_error_rate", "assistant"),
        ("failed_checks", FAILING_CHECK),
    }
    # The spike also moves the day's error rate far from its history.
    assert len(anomalies) == 1
    (anomaly,) = anomalies
    assert "fct_assistant_performance_daily" in anomaly and "error_rate" in anomaly
    assert len(scenario["alerts"]) == 4


def test_alert_values_and_severities(scenario) -> None:
    by_rule = {a["rule"]: a for a in scenario["alerts"]}
    freshness = by_rule["source_freshness"]
    assert freshness["severity"] == "critical"
    assert freshness["observed_value"] > 120
    errors = by_rule["assistant_error_rate"]
    assert errors["observed_value"] > 0.01
    assert errors["opened_at"] <= SCENARIO_AS_OF
    assert by_rule["failed_checks"]["severity"] == "error"
    assert by_rule["failed_checks"]["observed_value"] == 1
    assert by_rule["anomaly"]["severity"] == "warning"


def test_command_prints_grouped_alerts_and_exits_1(scenario) -> None:
    result = scenario["plain"]
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert out.startswith("4 open alert(s) on target local")
    for heading in ("source_freshness [critical]", "failed_checks [error]"):
        assert heading in out
    assert "billing.billing_subscriptions" in out and FAILING_CHECK in out
    assert "webhook" not in out


def test_webhook_gets_one_message_per_incident(scenario) -> None:
    posts = scenario["first_posts"]
    assert scenario["first"].returncode == 1
    assert len(posts) == 4
    ids = {a["alert_id"] for a in scenario["alerts"]}
    assert {p["blocks"][0]["text"]["text"].rsplit("`", 2)[1] for p in posts} == ids
    assert all(p["text"].startswith("[") for p in posts)
    # A second run finds the same open incidents and posts nothing again.
    assert scenario["second"].returncode == 1
    assert scenario["second_posts"] == 0
    assert "posted 0 new incident(s), 4 sent before" in scenario["second"].stdout


def test_command_exits_2_when_it_cannot_read(tmp_path) -> None:
    result = subprocess.run(
        [str(BIN / "synapse-monitor"), "alerts", "--target", "local"],
        cwd=ROOT,
        env={"SYNAPSE_DUCKDB_PATH": str(tmp_path / "missing.duckdb"), "PATH": ""},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "no DuckDB warehouse" in result.stderr


def test_failed_webhook_exits_2_and_is_retried(tmp_path) -> None:
    """An unreachable webhook is an error, and nothing is marked sent."""
    from synapse_monitor import alerts

    alert = alerts.Alert(
        "a1", "failed_checks", "t", "error", END, END, 1.0, 0.0, "failed"
    )
    state = alerts.SentState(tmp_path / "state.json")
    with pytest.raises(alerts.MonitorError):
        alerts.notify([alert], "http://127.0.0.1:9/none", state, "local")
    assert alerts.SentState(tmp_path / "state.json").sent == {}


def test_pipeline_health_shows_the_stale_source(scenario) -> None:
    health = {row["table_name"]: row for row in scenario["health"]}
    assert {name for name, row in health.items() if row["is_stale"]} == {
        "billing_subscriptions"
    }
    assert all(row["monitoring_as_of"] == SCENARIO_AS_OF for row in health.values())
    events = health["app_events"]
    assert events["rows_loaded_last_hour"] == 1
    assert events["lag_seconds"] == 600
    assert events["latency_p95_seconds"] == 1200  # under the 30-minute threshold


def test_daily_quality_summary_counts_the_failing_check(scenario) -> None:
    rows = {row["subject_id"]: row for row in scenario["quality"]}
    fixture = rows["seed.synapse.qf_metrics_bad"]
    assert fixture["subject_type"] == "seed"
    assert (fixture["accuracy_checks"], fixture["checks_failed"]) == (1, 1)
    assert fixture["accuracy_pass_rate"] == 0
    mart = rows["model.synapse.fct_assistant_performance_daily"]
    assert mart["checks_warned"] == 1  # the error-rate anomaly
    assert mart["checks_failed"] == 0
    assert mart["completeness_checks"] >= 3 and mart["completeness_pass_rate"] == 1
