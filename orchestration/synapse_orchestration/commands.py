"""External commands the code location calls: the alert command of the
monitoring work and the weekly report command of the dashboards work.

Both are configurable (an environment variable or the resource's config), so
a deployment can wrap them and a test can substitute a small script of its
own. The command is split with shlex and run without a shell."""

import os
import shlex
import subprocess
from collections.abc import Mapping, Sequence

from dagster import ConfigurableResource, Failure

DEFAULT_ALERT_COMMAND = "synapse-monitor alerts"
DEFAULT_REPORT_COMMAND = "synapse-report"


class CommandResult:
    """What a command did: exit code and its output, for logs and metadata."""

    def __init__(self, argv: list[str], completed: subprocess.CompletedProcess[str]):
        self.argv = argv
        self.returncode = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr


class ExternalCommand(ConfigurableResource):
    """A command line run as a subprocess (no shell).

    `ok_exit_codes` lists the exit codes that are not errors: the alert
    command exits 1 when alerts are open, which is its job, not a failure."""

    command: str
    ok_exit_codes: list[int] = [0]  # noqa: RUF012 (pydantic copies defaults)
    timeout_seconds: int = 300

    def run(
        self, extra_args: Sequence[str] = (), env: Mapping[str, str] | None = None
    ) -> CommandResult:
        """Run it; extra environment variables describe what happened."""
        argv = [*shlex.split(self.command), *extra_args]
        try:
            completed = subprocess.run(
                argv,
                env={**os.environ, **(env or {})},
                capture_output=True,
                text=True,
                timeout=self.timeout_seconds,
                check=False,
            )
        except FileNotFoundError as error:
            raise Failure(
                f"command not found: {argv[0]!r} (from {self.command!r}); install "
                "it or point the environment variable at the right command"
            ) from error
        result = CommandResult(argv, completed)
        if result.returncode not in self.ok_exit_codes:
            raise Failure(
                f"{shlex.join(argv)} exited {result.returncode}",
                metadata={
                    "stdout": result.stdout[-4000:],
                    "stderr": result.stderr[-4000:],
                },
            )
        return result


def alert_command() -> ExternalCommand:
    """`SYNAPSE_ALERT_COMMAND`, default `synapse-monitor alerts` (exit 1: open
    alerts, posted to SYNAPSE_ALERT_WEBHOOK_URL by the command itself)."""
    return ExternalCommand(
        command=os.environ.get("SYNAPSE_ALERT_COMMAND", DEFAULT_ALERT_COMMAND),
        ok_exit_codes=[0, 1],
    )


def report_command() -> ExternalCommand:
    """`SYNAPSE_REPORT_COMMAND`, default `synapse-report`."""
    return ExternalCommand(
        command=os.environ.get("SYNAPSE_REPORT_COMMAND", DEFAULT_REPORT_COMMAND)
    )
