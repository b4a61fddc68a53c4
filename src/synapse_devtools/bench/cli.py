"""Command line of the benchmark: which runs, where, and where to write."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

from .process import StepFailed, say
from .report import (
    dbt_import_seconds,
    describe_machine,
    results_document,
    write_results,
)
from .runs import ROOT, RunPlan, RunResult, Scale, run_one

SMOKE_SCALE = "5k"
# The smoke run builds a slice of the project: every source, the app events'
# staging, one mart and the messages (what the floor's answers are checked
# against), and only the tests whose parents are all in the slice
# (cautious indirect selection), so the bench checks itself quickly in CI.
SMOKE_SELECTION = (
    "--select",
    "source:*",
    "path:models/staging/app",
    "+fct_daily_active_users",
    "+stg_oltp__messages",
    "--indirect-selection",
    "cautious",
)


def _postgres_configured() -> bool:
    return any(name.startswith("SYNAPSE_PG_") for name in os.environ)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m synapse_devtools.bench",
        description="Measure the dbt project against the engine floor and "
        "write docs/benchmarks.md (+ .json).",
    )
    parser.add_argument(
        "--scales",
        default="1M,10M",
        help="DuckDB scales, raw app events (default 1M,10M; e.g. 250k,1M)",
    )
    parser.add_argument(
        "--pg-scales", default="1M", help="Postgres scales (default 1M)"
    )
    parser.add_argument(
        "--engines",
        help="comma-separated: duckdb, postgres (default: duckdb, plus postgres "
        "when SYNAPSE_PG_* is set)",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help=f"tiny data ({SMOKE_SCALE} events) and a slice of the project: "
        "checks the bench itself, its numbers mean nothing",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=ROOT / "docs" / "benchmarks.md",
        help="results file (the JSON goes beside it; default docs/benchmarks.md)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=ROOT / "target" / "bench",
        help="scratch folder for data, warehouses and logs (default target/bench)",
    )
    parser.add_argument("--seed", type=int, default=7, help="generator seed")
    return parser


def _scales(text: str) -> list[Scale]:
    return [Scale.parse(part) for part in text.split(",") if part.strip()]


def plans(args: argparse.Namespace) -> list[RunPlan]:
    """The runs to do, in order: every DuckDB scale, then Postgres."""
    engines = (
        [e.strip() for e in args.engines.split(",") if e.strip()]
        if args.engines
        else ["duckdb", *(["postgres"] if _postgres_configured() else [])]
    )
    unknown = set(engines) - {"duckdb", "postgres"}
    if unknown:
        raise SystemExit(f"unknown engine(s): {', '.join(sorted(unknown))}")
    workdir = args.workdir.resolve()
    for protected in (ROOT / "warehouse", ROOT / "landing"):
        if workdir == protected or protected in workdir.parents:
            raise SystemExit(f"--workdir must not be inside {protected}")
    selection = SMOKE_SELECTION if args.smoke else ()
    out: list[RunPlan] = []
    for engine in engines:
        if args.smoke:
            scales = _scales(SMOKE_SCALE)
            if engine == "duckdb":  # two sizes, so the scaling ratio exists
                scales = _scales(f"{SMOKE_SCALE},10k")
        else:
            scales = _scales(args.scales if engine == "duckdb" else args.pg_scales)
        out += [
            RunPlan(
                engine=engine,
                scale=scale,
                workdir=workdir / f"{engine}-{scale.label}",
                selection=selection,
                seed=args.seed,
            )
            for scale in scales
        ]
    return out


def _summary(doc: dict) -> None:
    say("ratios against the targets:")
    for r in doc["ratios"]:
        sign = "<" if r["comparison"] == "below" else "<="
        verdict = "met" if r["met"] else "MISSED"
        print(
            f"  {r['name']:<62} {r['measured']:>8.2f} {sign} {r['target']:<6g} "
            f"{verdict}  [{r['scope']}]",
            flush=True,
        )
    dr = doc["disaster_recovery"]
    if dr:
        print(
            f"  disaster recovery at {dr['production_events']:,} events: "
            f"~{dr['total_hours']:.1f} h (RTO {dr['rto_hours']:g} h)",
            flush=True,
        )


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        todo = plans(args)
    except ValueError as error:
        print(f"bench: error: {error}", file=sys.stderr)
        return 2
    engines = sorted({p.engine for p in todo})
    machine = describe_machine(engines)
    say(
        "runs: "
        + ", ".join(f"{p.engine} {p.scale.label}" for p in todo)
        + f" (scratch: {args.workdir})"
    )
    command = "python -m synapse_devtools.bench " + shlex.join(argv or sys.argv[1:])
    mode = "smoke" if args.smoke else "full"
    results: list[RunResult] = []
    for number, plan in enumerate(todo, start=1):
        try:
            results.append(run_one(plan))
        except StepFailed as error:
            print(f"bench: error: {error}", file=sys.stderr)
            return 1
        if number < len(todo):  # a long run leaves its results so far
            partial = f"{mode}, partial: {number} of {len(todo)} runs done"
            write_results(
                results_document(results, machine, partial, command.strip()),
                args.output,
            )
            say(f"results so far: {args.output}")
    machine["dbt_import_s_at_end"] = dbt_import_seconds()
    doc = results_document(results, machine, mode, command.strip())
    markdown, json_path = write_results(doc, args.output)
    _summary(doc)
    say(f"results: {markdown} and {json_path}")
    differ = [f"{r.engine} {r.scale}" for r in results if not r.floor_agrees]
    if differ:
        print(
            "bench: error: the floor's answers differ from the build's in "
            + ", ".join(differ)
            + ", so it times other work (see the results file)",
            file=sys.stderr,
        )
        return 1
    return 0
