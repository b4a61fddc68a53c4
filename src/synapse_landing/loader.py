"""Land JSON-lines raw-zone files into the raw tables, one batch at a time.

The raw zone is laid out as ``<root>/<table>/date=YYYY-MM-DD/*.jsonl`` (what the
generator writes, and what a data-lake export looks like); the layout, its
reader and its writer live in :mod:`synapse_landing.rawzone`. A batch is the set
of partitions in a date range; landing it appends rows and never rewrites what
is already there, which is how the stream and the CDC connector deliver data.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import contract
from .rawzone import PARTITION, LandingError, partition_column, partition_files
from .warehouse import Warehouse

__all__ = [
    "PARTITION",
    "LandingError",
    "RejectedLine",
    "land",
    "partition_files",
]


@dataclass(frozen=True)
class RejectedLine:
    """One line of a raw-zone file that no warehouse can hold as the contract
    types it; the rest of its file lands without it."""

    table: str
    path: Path
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.table}: {self.reason}"


# A path read_json may take verbatim: no quote, no glob character.
SAFE_PATH = re.compile(r"^[A-Za-z0-9_./=+:@ -]+$")
BIGINT_RANGE = (-(2**63), 2**63 - 1)
INTEGER_RANGE = (-(2**31), 2**31 - 1)


def _value_problem(column: contract.Column, value: object) -> str | None:
    """Why `value` cannot land in `column` on every engine, or None.

    Staging judges contents (malformed JSON, bad timestamps inside payloads);
    this only refuses what a typed raw column cannot store at all, so that
    one such line never fails the COPY of a whole file."""
    if value is None:
        return None
    sql_type = column.sql_type
    if sql_type.startswith("varchar("):
        limit = int(sql_type[len("varchar(") : -1])
        if not isinstance(value, str):
            return f"{column.name} is a JSON {type(value).__name__}, not text"
        if "\x00" in value:
            return (
                f"{column.name} holds a NUL character (U+0000), which Postgres "
                "text cannot store"
            )
        try:
            size = len(value.encode("utf-8"))
        except UnicodeEncodeError:
            return f"{column.name} is not valid UTF-8"
        if size > limit:
            return f"{column.name} is {size:,} bytes, over its {sql_type}"
        return None
    if sql_type in ("bigint", "integer"):
        low, high = BIGINT_RANGE if sql_type == "bigint" else INTEGER_RANGE
        if isinstance(value, bool) or not isinstance(value, int):
            return f"{column.name} is not an integer"
        if not low <= value <= high:
            return f"{column.name} is out of the {sql_type} range"
        return None
    if column.is_timestamp:
        try:
            dt.datetime.strptime(str(value), contract.TIMESTAMP_TEXT_FORMAT)
        except ValueError:
            return (
                f"{column.name} {str(value)[:40]!r} is not a timestamp of the form "
                "YYYY-MM-DD HH:MM:SS.ffffff"
            )
    return None


def _line_problem(table: str, text: str) -> str | None:
    try:
        row = json.loads(text)
    except ValueError as error:
        return f"not a JSON line ({error})"
    if not isinstance(row, dict):
        return "not a JSON object line"
    for column in contract.RAW_TABLES[table]:
        problem = _value_problem(column, row.get(column.name))
        if problem:
            return problem
    return None


def screen_files(
    table: str, files: Sequence[Path], scratch: Path
) -> tuple[list[Path], list[RejectedLine]]:
    """The files to land, with every line no warehouse can store set aside.

    A file without such lines and with a plain name is landed as is; any
    other file is rewritten into `scratch` under a plain name (its good
    lines only), so a quote or a glob character in a file name never
    reaches SQL."""
    clean: list[Path] = []
    rejected: list[RejectedLine] = []
    for index, path in enumerate(files):
        kept: list[str] = []
        dropped = 0
        with path.open(encoding="utf-8", errors="surrogateescape") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                problem = _line_problem(table, line)
                if problem:
                    rejected.append(RejectedLine(table, path, number, problem))
                    dropped += 1
                else:
                    kept.append(line if line.endswith("\n") else line + "\n")
        if not dropped and SAFE_PATH.match(path.as_posix()):
            clean.append(path)
        elif kept:
            copy = scratch / f"{table}-{index:06d}.jsonl"
            copy.write_text("".join(kept), encoding="utf-8", errors="surrogateescape")
            clean.append(copy)
    return clean, rejected


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
    rejects: list[RejectedLine] | None = None,
) -> dict[str, int]:
    """Append one batch of raw-zone files; returns rows landed per table.

    Lines that no warehouse can store as the contract types them (a NUL
    character, text over its varchar length, a non-integer LSN, ...) are
    set aside and everything else lands. They are appended to `rejects`
    when given; otherwise, once the rest has landed, a LandingError lists
    each of them by file and line.

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
    rejected: list[RejectedLine] = []
    for table in tables or list(contract.RAW_TABLES):
        if loaded_after or loaded_through:
            since = since or (loaded_after.date() if loaded_after else None)
            until = until or (loaded_through.date() if loaded_through else None)
        files = partition_files(root, table, since, until)
        with tempfile.TemporaryDirectory(prefix="synapse-land-") as scratch:
            clean, bad = screen_files(table, files, Path(scratch))
            landed[table] = warehouse.append_jsonl(
                table, clean, stamp, _time_filter(table, loaded_after, loaded_through)
            )
        rejected.extend(bad)
        if progress:
            progress(
                f"landed {landed[table]:>10,} rows into {warehouse.schema}.{table} "
                f"({warehouse.name}, {len(files)} files"
                + (f", {len(bad)} lines rejected" if bad else "")
                + ")"
            )
            for line in bad:
                progress(f"rejected {line}")
    if rejects is not None:
        rejects.extend(rejected)
    elif rejected:
        raise LandingError(
            f"{len(rejected)} lines could not land (everything else did):\n"
            + "\n".join(str(line) for line in rejected)
        )
    return landed
