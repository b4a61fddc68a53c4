"""`synapse-monitor`: tell people about what the warehouse found wrong.

synapse-monitor alerts [--target local|postgres|prod]

Exit status: 0 when no alert is open, 1 when any is, 2 when the monitor
could not find out or could not tell (unreachable warehouse, missing model,
failed webhook). With SYNAPSE_ALERT_WEBHOOK_URL set, each incident is posted
once to that Slack-compatible webhook.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .alerts import QUERIES, MonitorError, SentState, notify, read_alerts, render

DEFAULT_STATE = ".synapse-monitor/sent-alerts.json"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="synapse-monitor", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    alerts = commands.add_parser(
        "alerts", help="print the open alerts of mon_alerts; post new ones"
    )
    alerts.add_argument(
        "--target",
        choices=sorted(QUERIES),
        default=os.environ.get("SYNAPSE_TARGET", "local"),
        help="warehouse to read (default: $SYNAPSE_TARGET or local)",
    )
    alerts.add_argument(
        "--schema",
        default="monitoring",
        help="schema of mon_alerts (default: monitoring)",
    )
    alerts.add_argument(
        "--state",
        type=Path,
        default=Path(os.environ.get("SYNAPSE_ALERT_STATE", DEFAULT_STATE)),
        help="file remembering the incidents already posted "
        f"(default: $SYNAPSE_ALERT_STATE or {DEFAULT_STATE})",
    )
    return parser


def run_alerts(args: argparse.Namespace) -> int:
    alerts = read_alerts(args.target, args.schema)
    print(render(alerts, args.target))
    url = os.environ.get("SYNAPSE_ALERT_WEBHOOK_URL")
    if url:
        posted = notify(alerts, url, SentState(args.state), args.target)
        already = len(alerts) - len(posted)
        print(f"\nwebhook: posted {len(posted)} new incident(s), {already} sent before")
    return 1 if alerts else 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return run_alerts(args)
    except MonitorError as error:
        print(f"synapse-monitor: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
