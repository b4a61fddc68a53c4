"""`synapse-land`: generate synthetic landing data, land it, measure it.

synapse-land generate --users 2000 --days 120 --out landing/ --load duckdb
synapse-land load --from landing/ --warehouse postgres --since 2026-03-01
synapse-land bench --events 1000000
SYNAPSE_EMAIL_HASH_SALT=... synapse-land put-salt --warehouse duckdb
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from . import contract, generator, loader, replay
from .warehouse import SALT_TABLE, connect

SALT_VARIABLE = "SYNAPSE_EMAIL_HASH_SALT"


def _say(message: str) -> None:
    print(f"[synapse-land {time.strftime('%H:%M:%S')}] {message}", flush=True)


def _timestamp(text: str) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an ISO-8601 date or timestamp"
        ) from error
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a YYYY-MM-DD date"
        ) from error


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text}")
    return value


def _add_duckdb_path_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--duckdb-path",
        help="DuckDB warehouse file (default: $SYNAPSE_DUCKDB_PATH or "
        "warehouse/synapse.duckdb)",
    )


class _LandingOnlyOption(argparse.Action):
    """Reject a landing option on a command that lands nothing.

    `quarantine-export` once accepted `--schema` and `--replace` and ignored
    them; failing with the reason is better than silently doing nothing.
    """

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        kwargs.setdefault("nargs", "?")
        super().__init__(option_strings, dest, **kwargs)  # type: ignore[arg-type]

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        parser.error(
            f"{option_string} only applies to landing (generate --load, load); "
            f"quarantine-export reads {replay.QUARANTINE_RELATION} and writes "
            "files under --out, it never lands or replaces raw tables"
        )


def _add_warehouse_options(parser: argparse.ArgumentParser) -> None:
    _add_duckdb_path_option(parser)
    parser.add_argument(
        "--schema", default="raw", help="raw schema to land into (default: raw)"
    )
    parser.add_argument(
        "--replace",
        action="store_true",
        help="drop and recreate the raw tables before landing (default: append)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="synapse-land",
        description="Synthetic landing data for the Synapse warehouse: the four "
        "raw tables of the landing contract, with every contract fault injected.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    gen = commands.add_parser(
        "generate",
        help="generate a dataset (JSON-lines raw zone) and optionally land it",
    )
    gen.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    gen.add_argument(
        "--users", type=_positive, default=2000, help="users (default 2000)"
    )
    gen.add_argument(
        "--days", type=_positive, default=120, help="days of history (default 120)"
    )
    gen.add_argument(
        "--end",
        type=_timestamp,
        help="end of the data, UTC (default: now, so freshness checks pass)",
    )
    gen.add_argument(
        "--events-per-active-day",
        type=float,
        default=generator.GeneratorConfig.events_per_active_day,
        help="mean events per active user-day (scales volume)",
    )
    gen.add_argument(
        "--fault-scale",
        type=float,
        default=1.0,
        help="multiply every default fault rate (0 = clean data)",
    )
    gen.add_argument(
        "--out", type=Path, default=Path("landing"), help="raw-zone folder"
    )
    gen.add_argument(
        "--shard-events",
        type=_positive,
        default=generator.DEFAULT_SHARD_EVENTS,
        help=(
            "generate in shards of about this many app events, one in memory "
            "at a time (default %(default)s; a smaller dataset is one shard)"
        ),
    )
    gen.add_argument(
        "--load",
        choices=["duckdb", "postgres"],
        help="also land the generated files into this warehouse",
    )
    _add_warehouse_options(gen)

    load = commands.add_parser(
        "load", help="land JSON-lines raw-zone files into the raw tables"
    )
    load.add_argument(
        "--from", dest="source", type=Path, required=True, help="raw-zone folder"
    )
    load.add_argument("--warehouse", choices=["duckdb", "postgres"], default="duckdb")
    load.add_argument("--table", action="append", help="only this table (repeatable)")
    load.add_argument("--since", type=_date, help="first partition date to land")
    load.add_argument("--until", type=_date, help="last partition date to land")
    load.add_argument(
        "--loaded-after",
        type=_timestamp,
        help="only rows that landed after this time (finer than a partition)",
    )
    load.add_argument(
        "--loaded-through",
        type=_timestamp,
        help="only rows that landed at or before this time",
    )
    load.add_argument(
        "--loaded-at",
        type=_timestamp,
        help="stamp the batch with this loaded_at (default: keep the files' value)",
    )
    _add_warehouse_options(load)

    export = commands.add_parser(
        "quarantine-export",
        help="write quarantined events as a raw-zone batch, to fix and re-land",
    )
    export.add_argument("--reason", choices=contract.EVENT_QUARANTINE_REASONS)
    export.add_argument("--out", type=Path, required=True, help="raw-zone folder")
    export.add_argument("--warehouse", choices=["duckdb", "postgres"], default="duckdb")
    _add_duckdb_path_option(export)
    for option in ("--schema", "--replace"):
        export.add_argument(
            option,
            action=_LandingOnlyOption,
            default=argparse.SUPPRESS,
            help=argparse.SUPPRESS,
        )

    put_salt = commands.add_parser(
        "put-salt",
        help=f"store ${SALT_VARIABLE} in the warehouse table {SALT_TABLE}, "
        "where dbt reads the email-hash salt (never printed)",
    )
    put_salt.add_argument(
        "--warehouse", choices=["duckdb", "postgres"], default="duckdb"
    )
    put_salt.add_argument(
        "--duckdb-path",
        help="DuckDB warehouse file (default: $SYNAPSE_DUCKDB_PATH or "
        "warehouse/synapse.duckdb)",
    )

    bench = commands.add_parser(
        "bench", help="measure generator throughput (events per second)"
    )
    bench.add_argument("--events", type=_positive, default=1_000_000)
    bench.add_argument("--seed", type=int, default=7)
    return parser


def _config(args: argparse.Namespace) -> generator.GeneratorConfig:
    faults = generator.FaultRates().scaled(args.fault_scale)
    return generator.GeneratorConfig(
        seed=args.seed,
        users=args.users,
        days=args.days,
        end=args.end,
        events_per_active_day=args.events_per_active_day,
        faults=faults,
    )


def _generate(args: argparse.Namespace) -> int:
    config = _config(args)
    started = time.perf_counter()
    zone = generator.write_raw_zone(
        config, args.out, progress=_say, shard_events=args.shard_events
    )
    elapsed = time.perf_counter() - started
    rows = zone.truth["raw_rows"]
    shards = f" ({zone.shards} shards)" if zone.shards > 1 else ""
    _say(
        f"wrote {sum(rows.values()):,} raw rows in {len(zone.files)} files to "
        f"{args.out}/{shards} in {elapsed:.1f}s"
    )
    for table, count in rows.items():
        _say(f"  {table:<24}{count:>12,}")
    _say(f"ground truth: {args.out / '_truth.json'}")
    if args.load:
        _load(args.load, args.out, args)
    return 0


def _load(engine: str, source: Path, args: argparse.Namespace) -> None:
    with connect(engine, duckdb_path=args.duckdb_path, schema=args.schema) as target:
        loader.land(
            source,
            target,
            tables=getattr(args, "table", None),
            since=getattr(args, "since", None),
            until=getattr(args, "until", None),
            loaded_at=getattr(args, "loaded_at", None),
            replace=args.replace,
            loaded_after=getattr(args, "loaded_after", None),
            loaded_through=getattr(args, "loaded_through", None),
            progress=_say,
        )
        where = (
            getattr(target, "path", None)
            if engine == "duckdb"
            else "postgres (SYNAPSE_PG_*)"
        )
        _say(f"warehouse: {where}")


def _put_salt(args: argparse.Namespace) -> int:
    """The salt comes from the environment only (no flag: a command line is
    visible to every user of the machine) and is never echoed."""
    salt = os.environ.get(SALT_VARIABLE, "")
    if not salt:
        print(
            f"synapse-land: error: {SALT_VARIABLE} is not set (or empty): "
            f"nothing written to {SALT_TABLE}",
            file=sys.stderr,
        )
        return 2
    with connect(args.warehouse, duckdb_path=args.duckdb_path) as target:
        target.put_salt(salt)
    _say(f"email-hash salt stored in {SALT_TABLE} on {args.warehouse}")
    return 0


def _bench(args: argparse.Namespace) -> int:
    # Size the population so the run yields about the requested event count.
    config = generator.config_for_events(args.events, seed=args.seed)
    started = time.perf_counter()
    dataset = generator.generate(config, progress=_say)
    generated = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as scratch:
        generator.write_jsonl(dataset, Path(scratch))
    total = time.perf_counter() - started
    events = dataset.truth["raw_rows"]["app_events"]
    result = {
        "events": events,
        "generate_seconds": round(generated, 2),
        "generate_and_write_seconds": round(total, 2),
        "events_per_second": round(events / total),
        "ratio_to_target": round(60.0 / (total * 1_000_000 / events), 2),
    }
    _say(
        f"{events:,} events generated and written in {total:.1f}s: "
        f"{result['events_per_second']:,} events/s "
        f"({result['ratio_to_target']}x faster than the 1M-events-a-minute target)"
    )
    print(json.dumps(result))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "generate":
            return _generate(args)
        if args.command == "load":
            _load(args.warehouse, args.source, args)
            return 0
        if args.command == "quarantine-export":
            with connect(args.warehouse, duckdb_path=args.duckdb_path) as target:
                path = replay.export_quarantine(target, args.out, args.reason)
            _say(f"quarantined events written to {path}; fix them, then load")
            return 0
        if args.command == "put-salt":
            return _put_salt(args)
        return _bench(args)
    except loader.LandingError as error:
        print(f"synapse-land: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
