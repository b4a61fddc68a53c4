"""The floor: hand-written SQL doing the least work that gives the project's
answers.

    python -m synapse_devtools.bench.floor {duckdb|postgres} OUT.json
    python -m synapse_devtools.bench.floor --compare {duckdb|postgres} OUT.json
    python -m synapse_devtools.bench.floor --lenient {duckdb|postgres} OUT.json

It parses and validates the events by the landing contract and ADR 0007,
deduplicates them, counts daily active users and takes the latest valid CDC
change of each message (floor_<engine>.sql), on the warehouse that
SYNAPSE_DUCKDB_PATH or SYNAPSE_PG_* name, and writes
``{"seconds": ..., "rows": {...}}`` to OUT.json: the SQL's own time and the
rows it produced (so a floor that did nothing shows). Its tables stay in
schema bench_floor.

``--compare``, run after the full build, checks the floor against the build:
its three tables must equal what the build answers (the kept events, the
non-zero rows of fct_daily_active_users, the messages' latest change). It
writes the rows each side has and the other lacks, then drops bench_floor.
A floor with other answers would time other work: the bench reports it and
fails.

``--lenient`` times the floor of the runs before 2026-12-04
(floor_lenient_<engine>.sql), which skips most of the rules and so answers
differently; the bench reports it beside the floor, for comparison with
earlier results only, and drops its tables.

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
from collections.abc import Callable
from pathlib import Path

from synapse_landing.warehouse import postgres_settings

ENGINES = ("duckdb", "postgres")
TABLES = ("events", "daily_active_users", "messages")

# What the floor answers: its table, the columns compared, and the same
# answer read from the build ({staged} / {mart}: the project's schemas).
ANSWERS = {
    "events": (
        "bench_floor.events",
        "event_id, user_id, event_type, occurred_at",
        "{staged}.stg_app__events",
    ),
    "daily_active_users": (
        "bench_floor.daily_active_users",
        "activity_date, active_users",
        "(select activity_date, dau as active_users"
        " from {mart}.fct_daily_active_users where dau > 0) as build",
    ),
    "messages": (
        "bench_floor.messages",
        "message_id, is_deleted, source_lsn",
        "{staged}.stg_oltp__messages",
    ),
}


def _schema(name: str) -> str:
    """A project schema as generate_schema_name names it."""
    prefix = os.environ.get("SYNAPSE_SCHEMA_PREFIX", "").strip()
    return f"{prefix}_{name}" if prefix else name


def _comparisons() -> list[tuple[str, str, str]]:
    """(answer, side, query counting the rows that side has and the other
    lacks), with duplicates counted (except all)."""
    schemas = {"staged": _schema("staged"), "mart": _schema("mart")}
    queries = []
    for name, (floor_table, columns, build) in ANSWERS.items():
        floor_sql = f"select {columns} from {floor_table}"
        build_sql = f"select {columns} from {build.format(**schemas)}"
        for side, (left, right) in (
            ("floor_only", (floor_sql, build_sql)),
            ("build_only", (build_sql, floor_sql)),
        ):
            query = f"select count(*) from ({left} except all {right}) as differing"
            queries.append((name, side, query))
    return queries


def _on_warehouse(engine: str, work: Callable[[Callable[[str], object]], dict]) -> dict:
    """Run `work(execute)` on the engine's warehouse; execute(sql) returns the
    first value of the first row (or None)."""
    if engine == "duckdb":
        import duckdb

        con = duckdb.connect(os.environ["SYNAPSE_DUCKDB_PATH"])
        try:

            def execute(sql: str) -> object:
                row = con.execute(sql).fetchone()
                return row[0] if row else None

            return work(execute)
        finally:
            con.close()
    import psycopg2

    con = psycopg2.connect(**postgres_settings())
    con.autocommit = True
    try:
        with con.cursor() as cursor:

            def execute(sql: str) -> object:
                cursor.execute(sql)
                row = cursor.fetchone() if cursor.description else None
                return row[0] if row else None

            return work(execute)
    finally:
        con.close()


def run_floor(engine: str, lenient: bool = False) -> tuple[float, dict[str, int]]:
    """Run the floor SQL; its time and the rows of each table it made (kept
    for --compare, except the lenient floor's)."""
    name = f"floor_lenient_{engine}.sql" if lenient else f"floor_{engine}.sql"
    sql = Path(__file__).with_name(name).read_text(encoding="utf-8")

    def work(execute: Callable[[str], object]) -> dict:
        started = time.perf_counter()
        execute(sql)
        seconds = time.perf_counter() - started
        rows = {
            t: int(execute(f"select count(*) from bench_floor.{t}")) for t in TABLES
        }
        if lenient:
            execute("drop schema bench_floor cascade")
        return {"seconds": seconds, "rows": rows}

    result = _on_warehouse(engine, work)
    return result["seconds"], result["rows"]


def compare_with_build(engine: str) -> dict[str, dict[str, int]]:
    """Rows of each answer that only the floor or only the build has; all
    zero when the floor gives the build's answers. Drops bench_floor."""

    def work(execute: Callable[[str], object]) -> dict:
        differences: dict[str, dict[str, int]] = {name: {} for name in ANSWERS}
        for name, side, query in _comparisons():
            differences[name][side] = int(execute(query))
        execute("drop schema bench_floor cascade")
        return differences

    return _on_warehouse(engine, work)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    mode = args[0] if args[:1] in (["--compare"], ["--lenient"]) else None
    args = args[1:] if mode else args
    if len(args) != 2 or args[0] not in ENGINES:
        print("\n".join(__doc__.strip().splitlines()[3:6]), file=sys.stderr)
        return 2
    if mode == "--compare":
        result: dict = {"differences": compare_with_build(args[0])}
    else:
        seconds, rows = run_floor(args[0], lenient=mode == "--lenient")
        result = {"seconds": seconds, "rows": rows}
    Path(args[1]).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
