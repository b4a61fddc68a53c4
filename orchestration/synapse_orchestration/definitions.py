"""The code location: `dagster dev` (make orchestrate) and
`dagster definitions validate` load `defs` from here."""

from __future__ import annotations

from dagster import Definitions
from dagster_dbt import DbtCliResource

from .assets import (
    raw_landing,
    source_freshness,
    synapse_dbt_assets,
    weekly_report_file,
)
from .commands import alert_command, report_command
from .jobs import JOBS, SCHEDULES
from .project import dbt_target, synapse_project
from .sensors import SENSORS

defs = Definitions(
    assets=[raw_landing, synapse_dbt_assets, weekly_report_file],
    asset_checks=[source_freshness],
    jobs=JOBS,
    schedules=SCHEDULES,
    sensors=SENSORS,
    resources={
        "dbt": DbtCliResource(project_dir=synapse_project, target=dbt_target()),
        "alert_command": alert_command(),
        "report_command": report_command(),
    },
)
