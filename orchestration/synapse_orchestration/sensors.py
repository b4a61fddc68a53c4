"""Alerts: a failed run, or a new row in `mon_alerts`, goes out through the
alert command of the monitoring work (`synapse-monitor alerts`, which prints
the open alerts, posts them to SYNAPSE_ALERT_WEBHOOK_URL and exits 1 while
any is open). The command is a resource, so it can be swapped."""

import json
import os

from dagster import (
    DefaultSensorStatus,
    RunFailureSensorContext,
    SensorEvaluationContext,
    SkipReason,
    run_failure_sensor,
    sensor,
)

from .commands import ExternalCommand
from .warehouse import query


def mon_alerts_relation() -> str:
    """Where the monitoring models put the alerts (SYNAPSE_MON_ALERTS_RELATION)."""
    return os.environ.get("SYNAPSE_MON_ALERTS_RELATION", "monitoring.mon_alerts")


@run_failure_sensor(
    name="alert_on_run_failure",
    default_status=DefaultSensorStatus.RUNNING,
    description="Any failed run of this code location calls the alert command.",
)
def alert_on_run_failure(
    context: RunFailureSensorContext, alert_command: ExternalCommand
) -> None:
    """Run the alert command with the failure described in its environment
    (SYNAPSE_ALERT_JOB, SYNAPSE_ALERT_RUN_ID, SYNAPSE_ALERT_MESSAGE)."""
    run = context.dagster_run
    message = context.failure_event.message or "run failed"
    result = alert_command.run(
        env={
            "SYNAPSE_ALERT_SOURCE": "dagster",
            "SYNAPSE_ALERT_JOB": run.job_name,
            "SYNAPSE_ALERT_RUN_ID": run.run_id,
            "SYNAPSE_ALERT_MESSAGE": message[:2000],
        }
    )
    context.log.info(
        f"alert command exited {result.returncode}: {result.stdout[-500:]}"
    )


def read_alert_state() -> tuple[int, str] | None:
    """(row count, latest fired_at) of mon_alerts; None while it cannot be
    read (not built yet, or a build holds the DuckDB lock)."""
    try:
        rows = query(
            "select count(*), cast(max(fired_at) as varchar) "
            f"from {mon_alerts_relation()}"
        )
    except Exception:
        return None
    count, latest = rows[0]
    return int(count), latest or ""


@sensor(
    name="alert_on_new_mon_alerts",
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="New rows in mon_alerts call the alert command.",
)
def alert_on_new_mon_alerts(
    context: SensorEvaluationContext, alert_command: ExternalCommand
) -> SkipReason:
    """Compare mon_alerts with the cursor (count and latest fired_at) and
    call the alert command once per change."""
    state = read_alert_state()
    if state is None:
        return SkipReason(f"{mon_alerts_relation()} cannot be read yet")
    count, latest = state
    seen = json.loads(context.cursor) if context.cursor else {"count": 0, "latest": ""}
    if latest <= seen["latest"] and count <= seen["count"]:
        return SkipReason("no new rows in mon_alerts")
    result = alert_command.run(env={"SYNAPSE_ALERT_SOURCE": "mon_alerts"})
    context.update_cursor(json.dumps({"count": count, "latest": latest}))
    return SkipReason(
        f"{count} alert row(s), newest {latest}: "
        f"alert command exited {result.returncode}"
    )


SENSORS = [alert_on_run_failure, alert_on_new_mon_alerts]
