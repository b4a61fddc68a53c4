"""Replay quarantined events: export them as a raw-zone batch to fix and re-land.

Raw data is append-only, so a replay never edits the rejected row: the fixed
copy is landed as a new delivery with a new ``loaded_at``. The next build
picks it up through the incremental cursor; the original stays quarantined
(with its reason, for the record), and the conservation law still holds.

    synapse-land quarantine-export --reason invalid_timestamp --out replay/
    # fix replay/app_events/date=*/part-00000.jsonl (payloads)
    synapse-land load --from replay/ --loaded-at "$(date -u +%FT%T)"
    dbt build
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from . import contract
from .warehouse import Warehouse

QUARANTINE_RELATION = "staged.stg_app__events_quarantine"


def export_quarantine(
    warehouse: Warehouse, out_dir: Path, reason: str | None = None
) -> Path:
    """Write the quarantined deliveries (optionally of one reason) as JSONL."""
    if reason and reason not in contract.EVENT_QUARANTINE_REASONS:
        raise ValueError(
            f"unknown quarantine reason {reason!r}; one of "
            f"{', '.join(contract.EVENT_QUARANTINE_REASONS)}"
        )
    where = f"where quarantine_reason = '{reason}'" if reason else ""
    rows = warehouse.query(
        "select event_id, payload, received_at, loaded_at "
        f"from {QUARANTINE_RELATION} {where} order by loaded_at, event_id"
    )
    day = dt.datetime.now(dt.UTC).date().isoformat()
    path = out_dir / "app_events" / f"date={day}" / "part-00000.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = contract.TIMESTAMP_TEXT_FORMAT
    with path.open("w") as handle:
        for event_id, payload, received_at, loaded_at in rows:
            record = {
                "event_id": event_id,
                "payload": payload,
                "received_at": received_at.strftime(fmt) if received_at else None,
                "loaded_at": loaded_at.strftime(fmt) if loaded_at else None,
            }
            handle.write(json.dumps(record) + "\n")
    return path
