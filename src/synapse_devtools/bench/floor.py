"""The floor: hand-written SQL doing the least work the project must do.

    python -m synapse_devtools.bench.floor {duckdb|postgres} OUT.json

It parses and validates the events, deduplicates them, counts daily active
users and takes the latest CDC image of each message (floor_<engine>.sql),
on the warehouse that SYNAPSE_DUCKDB_PATH or SYNAPSE_PG_* name, and writes
``{"seconds": ..., "rows": {...}}`` to OUT.json: the SQL's own time and the
rows it produced (so a floor that did nothing shows).

The bench runs it as a child process like every other step, never inside
its own process: on Linux a child's peak RSS starts from its parent's at the
fork, so DuckDB's memory in the bench process would show up as the peak of
every later step (the first 10M run reported 4.37 GiB for the 1M steps that
followed it).
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from synapse_landing.warehouse import postgres_settings

FLOOR_SQL = {
    "duckdb": Path(__file__).with_name("floor_duckdb.sql"),
    "postgres": Path(__file__).with_name("floor_postgres.sql"),
}
TABLES = ("events", "daily_active_users", "messages")


def run_floor(engine: str) -> tuple[float, dict[str, int]]:
    """Run the floor SQL; its time and the rows of each table it made."""
    sql = FLOOR_SQL[engine].read_text(encoding="utf-8")
    if engine == "duckdb":
        import duckdb

        con = duckdb.connect(os.environ["SYNAPSE_DUCKDB_PATH"])
        try:
            started = time.perf_counter()
            con.execute(sql)
            seconds = time.perf_counter() - started
            rows = {
                t: con.execute(f"select count(*) from bench_floor.{t}").fetchone()[0]
                for t in TABLES
            }
            con.execute("drop schema bench_floor cascade")
        finally:
            con.close()
        return seconds, rows
    import psycopg2

    con = psycopg2.connect(**postgres_settings())
    con.autocommit = True
    try:
        with con.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(sql)
            seconds = time.perf_counter() - started
            rows = {}
            for t in TABLES:
                cursor.execute(f"select count(*) from bench_floor.{t}")
                rows[t] = cursor.fetchone()[0]
            cursor.execute("drop schema bench_floor cascade")
    finally:
        con.close()
    return seconds, rows


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] not in FLOOR_SQL:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    seconds, rows = run_floor(args[0])
    Path(args[1]).write_text(json.dumps({"seconds": seconds, "rows": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
