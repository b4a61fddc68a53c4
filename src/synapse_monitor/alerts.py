"""Open alerts from `mon_alerts`: read, render as text, post to a webhook.

The warehouse decides what is wrong (the rules live in dbt, once); this module
only carries the verdict to people. Each incident is posted once: the ids of
alerts already sent are kept in a small JSON state file, so a monitor that runs
every minute does not repeat itself, and an incident that closes and later
reopens (a new `opened_at`, hence a new id) is posted again.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

COLUMNS = (
    "alert_id",
    "rule",
    "subject",
    "severity",
    "opened_at",
    "monitoring_as_of",
    "observed_value",
    "threshold",
    "detail",
)
SEVERITY_ORDER = {"critical": 0, "error": 1, "warning": 2}


class MonitorError(RuntimeError):
    """Something kept the monitor from knowing or telling (exit status 2)."""


@dataclass(frozen=True)
class Alert:
    alert_id: str
    rule: str
    subject: str
    severity: str
    opened_at: dt.datetime | None
    monitoring_as_of: dt.datetime | None
    observed_value: float | None
    threshold: float | None
    detail: str

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Alert:
        values = dict(zip(COLUMNS, row, strict=True))
        for name in ("observed_value", "threshold"):
            if values[name] is not None:
                values[name] = float(values[name])
        values["detail"] = values["detail"] or ""
        return cls(**values)


# ---------- reading


def _query_duckdb(sql: str) -> list[tuple[Any, ...]]:
    import duckdb

    path = os.environ.get("SYNAPSE_DUCKDB_PATH", "warehouse/synapse.duckdb")
    if not Path(path).exists():
        raise MonitorError(f"no DuckDB warehouse at {path} (SYNAPSE_DUCKDB_PATH)")
    with duckdb.connect(path, read_only=True) as connection:
        return connection.execute(sql).fetchall()


def _query_postgres(sql: str) -> list[tuple[Any, ...]]:
    import psycopg2

    from synapse_landing.warehouse import postgres_settings

    connection = psycopg2.connect(**postgres_settings())
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()
    finally:
        connection.close()


def _query_redshift(sql: str) -> list[tuple[Any, ...]]:
    """Same settings as the `prod` profile: IAM authentication, TLS."""
    import redshift_connector

    connection = redshift_connector.connect(
        iam=True,
        host=os.environ.get("SYNAPSE_REDSHIFT_HOST", ""),
        database=os.environ.get("SYNAPSE_REDSHIFT_DATABASE", "synapse"),
        db_user=os.environ.get("SYNAPSE_REDSHIFT_USER", "dbt_prod"),
        cluster_identifier=os.environ.get("SYNAPSE_REDSHIFT_CLUSTER_ID", ""),
        profile=os.environ.get("SYNAPSE_REDSHIFT_IAM_PROFILE", "default"),
        region=os.environ.get("SYNAPSE_REDSHIFT_REGION", "eu-west-1"),
        ssl=True,
        sslmode="verify-full",
    )
    try:
        cursor = connection.cursor()
        cursor.execute(sql)
        return list(cursor.fetchall())
    finally:
        connection.close()


QUERIES = {"local": _query_duckdb, "postgres": _query_postgres, "prod": _query_redshift}


def read_alerts(target: str, schema: str = "monitoring") -> list[Alert]:
    """Every open alert of mon_alerts on `target`, most severe first."""
    sql = f"select {', '.join(COLUMNS)} from {schema}.mon_alerts"
    try:
        rows = QUERIES[target](sql)
    except MonitorError:
        raise
    except Exception as error:
        raise MonitorError(
            f"cannot read {schema}.mon_alerts on target {target}: "
            f"{str(error).strip().splitlines()[0]} (has `dbt build` run there?)"
        ) from error
    alerts = [Alert.from_row(row) for row in rows]
    return sorted(
        alerts,
        key=lambda a: (SEVERITY_ORDER.get(a.severity, 9), a.rule, a.subject),
    )


# ---------- text


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"


def _one_line(text: str, limit: int = 300) -> str:
    """dbt messages span lines; the listing keeps one line per alert."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _when(value: dt.datetime | None) -> str:
    return "-" if value is None else value.strftime("%Y-%m-%d %H:%M:%S")


def render(alerts: Sequence[Alert], target: str) -> str:
    """Readable text, grouped by rule, then subject."""
    if not alerts:
        return f"No open alerts on target {target}."
    as_of = _when(alerts[0].monitoring_as_of)
    lines = [f"{len(alerts)} open alert(s) on target {target} as of {as_of} UTC"]
    rules: dict[str, list[Alert]] = {}
    for alert in alerts:
        rules.setdefault(alert.rule, []).append(alert)
    for rule, members in rules.items():
        lines.append("")
        lines.append(f"{rule} [{members[0].severity}] ({len(members)})")
        for alert in sorted(members, key=lambda a: a.subject):
            lines.append(f"  {alert.subject}")
            lines.append(f"    {_one_line(alert.detail)}")
            lines.append(
                f"    observed {_number(alert.observed_value)}, threshold "
                f"{_number(alert.threshold)}, open since {_when(alert.opened_at)}, "
                f"id {alert.alert_id}"
            )
    return "\n".join(lines)


# ---------- webhook


def slack_message(alert: Alert, target: str) -> dict[str, Any]:
    """A Slack-compatible payload (`text` plus one mrkdwn block)."""
    headline = f"[{alert.severity}] {alert.rule}: {alert.subject} ({target})"
    body = (
        f"*{headline}*\n{alert.detail}\n"
        f"observed {_number(alert.observed_value)}, threshold "
        f"{_number(alert.threshold)}, open since {_when(alert.opened_at)} UTC\n"
        f"alert id `{alert.alert_id}`"
    )
    return {
        "text": headline,
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": body}}],
    }


def post(url: str, payload: dict[str, Any], timeout: float = 10.0) -> None:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            if response.status >= 300:
                raise MonitorError(f"webhook answered HTTP {response.status}")
    except urllib.error.URLError as error:
        raise MonitorError(f"webhook post failed: {error}") from error


class SentState:
    """Ids of the alerts already posted, in a JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sent: dict[str, str] = {}
        if path.exists():
            try:
                self.sent = json.loads(path.read_text())["sent"]
            except (ValueError, KeyError, TypeError) as error:
                raise MonitorError(f"unreadable alert state file {path}") from error

    def save(self, open_ids: Iterable[str]) -> None:
        """Keeps only open incidents: the file never grows without bound."""
        keep = set(open_ids)
        self.sent = {key: value for key, value in self.sent.items() if key in keep}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps({"sent": self.sent}, indent=1, sort_keys=True))


def notify(
    alerts: Sequence[Alert], url: str, state: SentState, target: str
) -> list[Alert]:
    """Posts every alert not posted before; returns those posted now."""
    posted = []
    try:
        for alert in alerts:
            if alert.alert_id in state.sent:
                continue
            post(url, slack_message(alert, target))
            state.sent[alert.alert_id] = dt.datetime.now(dt.UTC).isoformat()
            posted.append(alert)
    finally:
        state.save(alert.alert_id for alert in alerts)
    return posted
