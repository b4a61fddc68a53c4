"""Land JSON-lines raw-zone files into the raw tables, one batch at a time.

The raw zone is laid out as ``<root>/<table>/date=YYYY-MM-DD/*.jsonl`` (what the
generator writes, and what a data-lake export looks like); the layout, its
reader and its writer live in :mod:`synapse_landing.rawzone`. A batch is the set
of partitions in a date range; landing it appends rows and never rewrites what
is already there, which is how the stream and the CDC connector deliver data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from . import contract
from .rawzone import PARTITION, LandingError, partition_column, partition_files
from .warehouse import Warehouse

__all__ = ["PARTITION", "LandingError", "land", "partition_files"]


def _time_filter(
    table: str, after: dt.datetime | None, through: dt.datetime | None
) -> str | None:
    column = partition_column(table)
    fmt = contract.TIMESTAMP_TEXT_FORMAT
    clauses = []
    if after:
        clauses.append(f"{column} > timestamp '{after.strftime(fmt)}'")
    if through:
        clauses.append(f"{column} <= timestamp '{through.strftime(fmt)}'")
    return " and ".join(clauses) or None


def land(
    root: Path,
    warehouse: Warehouse,
    tables: list[str] | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
    loaded_at: dt.datetime | None = None,
    replace: bool = False,
    loaded_after: dt.datetime | None = None,
    loaded_through: dt.datetime | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, int]:
    """Append one batch of raw-zone files; returns rows landed per table.

    ``loaded_at`` stamps every row of the batch with that time (tables that have
    a ``loaded_at`` column); without it the files' own values are kept.
    ``replace`` drops and recreates the raw tables first (a fresh warehouse).
    ``loaded_after`` / ``loaded_through`` narrow the batch to rows whose landing
    time (``loaded_at``; billing: ``fetched_at``) is in (after, through], for
    batches finer than a day.
    """
    root = Path(root)
    if not root.is_dir():
        raise LandingError(f"raw zone {root} does not exist")
    unknown = set(tables or []) - set(contract.RAW_TABLES)
    if unknown:
        raise LandingError(f"not tables of the landing contract: {sorted(unknown)}")
    warehouse.ensure_raw_tables(replace=replace)
    stamp = loaded_at.strftime(contract.TIMESTAMP_TEXT_FORMAT) if loaded_at else None
    landed: dict[str, int] = {}
    for table in tables or list(contract.RAW_TABLES):
        if loaded_after or loaded_through:
            since = since or (loaded_after.date() if loaded_after else None)
            until = until or (loaded_through.date() if loaded_through else None)
        files = partition_files(root, table, since, until)
        landed[table] = warehouse.append_jsonl(
            table, files, stamp, _time_filter(table, loaded_after, loaded_through)
        )
        if progress:
            progress(
                f"landed {landed[table]:>10,} rows into {warehouse.schema}.{table} "
                f"({warehouse.name}, {len(files)} files)"
            )
    return landed
