"""The JSON-lines raw zone on disk: how it is written and how it is read back.

Layout: ``<root>/<table>/date=YYYY-MM-DD/part-NNNNN.jsonl`` plus ``_truth.json``
at the root: one part file per partition, or one per shard when the generator
streams a large dataset shard by shard (``part-00000`` .. ``part-<shards-1>``).
The generator writes it with :func:`write_jsonl` (or :func:`write_tables` and
:func:`write_truth` per shard); the loader finds the files of a date range
with :func:`partition_files`. Both sides live in this module so the layout is
described once.

The writer is tuned for throughput: one JSON text encoder per SQL type and one
generated f-string per line, because the generic ``json.dumps`` per row is
several times slower at millions of rows.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from json.encoder import encode_basestring
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import contract

if TYPE_CHECKING:  # the generator imports this module, not the other way round
    from .generator import Dataset

__all__ = [
    "PARTITION",
    "LandingError",
    "json_string_literals",
    "partition_files",
    "paused_gc",
    "write_jsonl",
    "write_tables",
    "write_truth",
]

PARTITION = re.compile(r"^date=(\d{4}-\d{2}-\d{2})$")
PART_FILE = "part-{part:05d}.jsonl"
TRUTH_FILE = "_truth.json"


class LandingError(RuntimeError):
    """The raw zone does not look like the landing contract expects."""


# ======================================================================= reading
def partition_files(
    root: Path,
    table: str,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> list[Path]:
    """JSON-lines files of one table whose partition date is in [since, until]."""
    table_dir = root / table
    if not table_dir.is_dir():
        return []
    files: list[Path] = []
    for partition in sorted(table_dir.iterdir()):
        match = PARTITION.match(partition.name)
        if not partition.is_dir() or not match:
            raise LandingError(
                f"{partition}: expected a partition folder named date=YYYY-MM-DD"
            )
        day = dt.date.fromisoformat(match.group(1))
        if (since and day < since) or (until and day > until):
            continue
        files.extend(sorted(partition.glob("*.jsonl")))
    return files


# ======================================================================= writing
@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: millions of small strings and tuples
    (no reference cycles) make its full passes dominate the run time."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_CONTROL_CHARS = tuple(chr(i) for i in range(32))  # what json must escape
_BACKSLASH, _ESCAPED_BACKSLASH, _QUOTE, _ESCAPED_QUOTE = "\\", "\\\\", '"', '\\"'


def _escape_backslash_and_quote(text: str) -> str:
    return text.replace(_BACKSLASH, _ESCAPED_BACKSLASH).replace(_QUOTE, _ESCAPED_QUOTE)


def json_string_literals(values: list) -> list[str]:
    """JSON string literals (or null) for a text column, as encode_basestring.

    Columns without control characters (nearly all) take a fast path of plain
    ``str.replace`` calls instead of one ``encode_basestring`` call per value.
    """
    joined = "".join([v for v in values if v is not None])
    if any(c in joined for c in _CONTROL_CHARS):
        return ["null" if v is None else encode_basestring(v) for v in values]
    if _BACKSLASH in joined:
        return [
            "null" if v is None else f'"{_escape_backslash_and_quote(v)}"'
            for v in values
        ]
    if _QUOTE in joined:
        return [
            "null" if v is None else f'"{v.replace(_QUOTE, _ESCAPED_QUOTE)}"'
            for v in values
        ]
    return ["null" if v is None else f'"{v}"' for v in values]


def _json_timestamps(values: np.ndarray) -> list[str]:
    """'"YYYY-MM-DD HH:MM:SS.ffffff"' (contract.TIMESTAMP_TEXT_FORMAT) or null."""
    arr = np.asarray(values).astype("datetime64[us]")
    if arr.size > 1000:  # load times repeat (one per batch): format each once
        uniq, inverse = np.unique(arr, return_inverse=True)
        if uniq.size * 4 < arr.size:
            texts = _json_timestamps(uniq)
            return [texts[i] for i in inverse.tolist()]
    nat = np.isnat(arr)
    text = np.datetime_as_string(np.where(nat, np.datetime64(0, "us"), arr), unit="us")
    codes = text.view(np.uint32).reshape(text.size, -1)
    if codes.shape[1] > 10:
        col = codes[:, 10]
        col[col == ord("T")] = ord(" ")
    out = [f'"{s}"' for s in text.tolist()]
    for i in np.flatnonzero(nat).tolist():
        out[i] = "null"
    return out


def _json_column(values, sql_type: str, lo: int, hi: int) -> list[str]:
    chunk = values[lo:hi]
    if sql_type == "timestamp":
        return _json_timestamps(chunk)
    if sql_type in ("bigint", "integer"):
        return [str(v) for v in np.asarray(chunk).tolist()]
    return json_string_literals(list(chunk))


def _line_builder(names: list[str]) -> Callable[..., list[str]]:
    """A list comprehension with one f-string per line (fastest in CPython)."""
    args = [f"c{i}" for i in range(len(names))]
    body = ",".join(f'"{n}":{{{a}}}' for n, a in zip(names, args, strict=True))
    code = (
        f"lambda {', '.join(args)}: [f'{{{{{body}}}}}\\n' "
        f"for {', '.join(args)} in zip({', '.join(args)})]"
    )
    return eval(code)  # built from the contract's column names


def partition_column(table: str) -> str:
    """The column whose UTC date names a row's partition (its landing time)."""
    return "fetched_at" if table == "billing_subscriptions" else "loaded_at"


def write_jsonl(dataset: Dataset, out_dir: Path) -> list[Path]:
    """Write the raw zone: <table>/date=YYYY-MM-DD/part-00000.jsonl + _truth.json.

    Partitions are by the UTC date of ``loaded_at`` (billing: ``fetched_at``).
    Existing ``date=*/part-*.jsonl`` files of the four tables are replaced, so a
    re-run never leaves stale partitions behind. Returns the paths written.
    """
    written = write_tables(dataset.tables, out_dir)
    return [*written, write_truth(dataset.truth, out_dir)]


def write_tables(
    tables: dict[str, dict], out_dir: Path, part: int = 0, replace: bool = True
) -> list[Path]:
    """Write the four tables' rows as part file ``part`` of each partition.

    ``replace`` first removes every part file of an earlier run; the second
    and later shards of one run pass ``replace=False``.
    """
    with paused_gc():
        out_dir = Path(out_dir)
        written: list[Path] = []
        for table, columns in contract.RAW_TABLES.items():
            if replace:
                _clear_table_dir(out_dir / table)
            written += _write_table(table, columns, tables[table], out_dir, part)
        return written


def write_truth(truth: dict, out_dir: Path) -> Path:
    """Write the ground-truth summary, ``_truth.json``, at the root."""
    truth_path = Path(out_dir) / TRUTH_FILE
    truth_path.parent.mkdir(parents=True, exist_ok=True)
    truth_path.write_text(
        json.dumps(truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return truth_path


def _clear_table_dir(table_dir: Path) -> None:
    """Remove the part files (and emptied partitions) of an earlier run."""
    if not table_dir.exists():
        return
    for old in table_dir.glob("date=*/part-*.jsonl"):
        old.unlink()
    for folder in table_dir.glob("date=*"):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()


def _write_table(
    table: str,
    columns: tuple[contract.Column, ...],
    cols: dict,
    out_dir: Path,
    part: int,
) -> list[Path]:
    """Write one table's rows, one part file per landing date."""
    names = [c.name for c in columns]
    contract.require_columns(table, list(cols))
    table_dir = out_dir / table
    days = (
        np.asarray(cols[partition_column(table)])
        .astype("datetime64[us]")
        .astype("datetime64[D]")
    )
    n = days.size
    if n and np.any(days[1:] < days[:-1]):
        order = np.argsort(days, kind="stable")
        cols = {
            k: ([v[i] for i in order.tolist()] if isinstance(v, list) else v[order])
            for k, v in cols.items()
        }
        days = days[order]
    to_lines = _line_builder(names)
    bounds = np.flatnonzero(days[1:] != days[:-1]) + 1 if n else np.zeros(0, int)
    starts = [0, *bounds.tolist()]
    ends = [*bounds.tolist(), n]
    written: list[Path] = []
    for lo, hi in zip(starts, ends, strict=True):
        if lo >= hi:
            continue
        encoded = [_json_column(cols[c.name], c.sql_type, lo, hi) for c in columns]
        path = table_dir / f"date={days[lo]}" / PART_FILE.format(part=part)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.writelines(to_lines(*encoded))
        written.append(path)
    return written
