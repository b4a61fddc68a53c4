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


def read_open_alert_ids() -> set[str] | None:
    """The alert_id of every open incident in mon_alerts; None while it
    cannot be read (not built yet, or a build holds the DuckDB lock)."""
    try:
        rows = query(f"select distinct alert_id from {mon_alerts_relation()}")
    except Exception:
        return None
    return {str(row[0]) for row in rows}


@sensor(
    name="alert_on_new_mon_alerts",
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.RUNNING,
    description="A new incident in mon_alerts calls the alert command.",
)
def alert_on_new_mon_alerts(
    context: SensorEvaluationContext, alert_command: ExternalCommand
) -> SkipReason:
    """Call the alert command when mon_alerts holds an incident (alert_id)
    that the cursor has not seen; the command itself posts each incident
    once. The cursor keeps the ids still open, so an incident that closes
    and opens again (a new alert_id) alerts again."""
    open_ids = read_open_alert_ids()
    if open_ids is None:
        return SkipReason(f"{mon_alerts_relation()} cannot be read yet")
    seen = set(json.loads(context.cursor)) if context.cursor else set()
    new = open_ids - seen
    context.update_cursor(json.dumps(sorted(open_ids)))
    if not new:
        return SkipReason("no new incident in mon_alerts")
    result = alert_command.run(env={"SYNAPSE_ALERT_SOURCE": "mon_alerts"})
    return SkipReason(
        f"{len(new)} new incident(s) of {len(open_ids)} open: "
        f"alert command exited {result.returncode}"
    )


SENSORS = [alert_on_run_failure, alert_on_new_mon_alerts]
