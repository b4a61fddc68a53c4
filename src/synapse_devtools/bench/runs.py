"""One benchmark run: one engine at one scale, every step measured in order.

generate → land all but the last day → the lenient floor and the floor →
full build → floor check → tests → no-change rerun (three times) → land the
last day → incremental build.

The data is generated once with a fixed ``--end``; the last day is held back
by the loader's ``--loaded-through`` and landed later with ``--loaded-after``,
so the incremental build sees exactly one more day of landing, as the daily
job does. Everything lives under the run's scratch folder (a DuckDB file, or
a throwaway Postgres database), never in the user's warehouse/ or landing/.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from synapse_landing.generator import config_for_events
from synapse_landing.warehouse import drop_postgres_database, postgres_settings

from .process import Measured, run_measured, say

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent
DBT_TARGET = {"duckdb": "local", "postgres": "postgres"}
# dbt build without tests: data tests and unit tests are timed on their own.
NO_TESTS = ["--exclude", "resource_type:test", "resource_type:unit_test"]
DAYS = 90
# The no-change rerun is timed this many times; its result is the median.
RERUNS = 3


@dataclass(frozen=True)
class Scale:
    """A dataset size: a label (``1M``) and the app_events rows it aims at."""

    label: str
    events: int

    @classmethod
    def parse(cls, text: str) -> Scale:
        """'1M', '10M', '250k' or a plain number of events."""
        cleaned = text.strip().upper()
        factor = {"K": 1_000, "M": 1_000_000, "B": 1_000_000_000}.get(cleaned[-1:], 1)
        number = cleaned[:-1] if factor > 1 else cleaned
        try:
            events = round(float(number) * factor)
        except ValueError as error:
            raise ValueError(
                f"{text!r} is not a scale (e.g. 1M, 10M, 250k, 50000)"
            ) from error
        if events < 1000:
            raise ValueError(f"scale {text!r}: at least 1000 events")
        return cls(label=text.strip(), events=events)


@dataclass
class RunResult:
    """Everything measured in one run (seconds, bytes, counts)."""

    engine: str
    scale: str
    target_events: int
    users: int
    days: int
    end: str
    raw_rows: dict[str, int] = field(default_factory=dict)
    measures: dict[str, float] = field(default_factory=dict)
    slowest_models: list[dict] = field(default_factory=list)
    incremental_slowest_models: list[dict] = field(default_factory=list)
    rerun_slowest_models: list[dict] = field(default_factory=list)
    floor_rows: dict[str, int] = field(default_factory=dict)
    # rows of each floor answer that only the floor or only the build has
    floor_differences: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def floor_agrees(self) -> bool:
        return bool(self.floor_differences) and not any(
            n for sides in self.floor_differences.values() for n in sides.values()
        )

    @property
    def events(self) -> int:
        """Raw app_events rows actually generated."""
        return int(self.raw_rows.get("app_events", self.target_events))


@dataclass(frozen=True)
class RunPlan:
    engine: str
    scale: Scale
    workdir: Path
    selection: tuple[str, ...] = ()  # extra dbt arguments (--select ...)
    seed: int = 7


def _base_env() -> dict[str, str]:
    env = dict(os.environ)
    env["DBT_PROFILES_DIR"] = str(ROOT / ".dbt")
    env.pop("SYNAPSE_TARGET", None)
    return env


@contextmanager
def _warehouse_env(plan: RunPlan) -> Iterator[dict[str, str]]:
    """Environment of the run's own warehouse: a DuckDB file in the scratch
    folder, or a fresh Postgres database dropped afterwards."""
    env = _base_env()
    if plan.engine == "duckdb":
        path = plan.workdir / "synapse.duckdb"
        for stale in (path, path.with_suffix(".duckdb.wal")):
            stale.unlink(missing_ok=True)
        env["SYNAPSE_DUCKDB_PATH"] = str(path)
        yield env
        return
    import psycopg2

    name = f"synapse_bench_{uuid.uuid4().hex[:10]}"
    settings = postgres_settings()
    admin = psycopg2.connect(**settings)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"create database {name}")
    env["SYNAPSE_PG_DATABASE"] = name
    admin.close()
    try:
        yield env
    finally:
        drop_postgres_database(name, settings)


def _dbt(plan: RunPlan, args: list[str]) -> list[str]:
    return [
        str(BIN / "dbt"),
        *args,
        *plan.selection,
        "--target",
        DBT_TARGET[plan.engine],
        "--target-path",
        str(plan.workdir / "target"),
        "--log-path",
        str(plan.workdir / "logs"),
    ]


def _timing(run_results: Path) -> list[dict]:
    """Every model of a run_results.json with its execution time, slowest
    first."""
    data = json.loads(run_results.read_text(encoding="utf-8"))
    models = [
        {
            "model": r["unique_id"].split(".")[-1],
            "seconds": round(float(r.get("execution_time") or 0.0), 3),
            "status": r.get("status"),
        }
        for r in data.get("results", [])
        if r["unique_id"].startswith("model.")
    ]
    return sorted(models, key=lambda m: m["seconds"], reverse=True)


class _Steps:
    """Runs the measured steps of one plan and records them."""

    def __init__(self, plan: RunPlan, env: dict[str, str], result: RunResult):
        self.plan, self.env, self.result = plan, env, result
        self.logs = plan.workdir / "logs-bench"

    def _label(self, step: str) -> str:
        return f"{self.plan.engine} {self.plan.scale.label} {step}"

    def run(self, step: str, command: list[str]) -> Measured:
        return run_measured(
            self._label(step),
            command,
            env=self.env,
            log=self.logs / f"{step}.log",
            cwd=ROOT,
        )

    def land(self, step: str, **window: dt.datetime) -> Measured:
        command = [
            str(BIN / "synapse-land"),
            "load",
            "--from",
            str(self.plan.workdir / "landing"),
            "--warehouse",
            self.plan.engine,
        ]
        for option, value in window.items():
            command += [f"--{option.replace('_', '-')}", value.isoformat(sep=" ")]
        return self.run(step, command)

    def dbt_step(self, step: str, args: list[str]) -> tuple[Measured, list[dict]]:
        measured = self.run(step, _dbt(self.plan, args))
        source = self.plan.workdir / "target" / "run_results.json"
        kept = self.plan.workdir / f"run_results-{step}.json"
        shutil.copyfile(source, kept)
        timings = _timing(kept)
        m = self.result.measures
        m[f"{step}_model_s"] = round(sum(t["seconds"] for t in timings), 3)
        # dbt's own split: the time it spent running nodes (hooks included);
        # the rest of the command is start-up (imports, parse) and wrap-up.
        data = json.loads(kept.read_text(encoding="utf-8"))
        m[f"{step}_running_s"] = round(float(data.get("elapsed_time") or 0.0), 3)
        m[f"{step}_nodes"] = len(data.get("results", []))
        return measured, timings


def _floor_step(plan: RunPlan, steps: _Steps, step: str, mode: str = "") -> dict:
    """One floor.py command on the run's warehouse, in a process of its own
    (see floor.py): run the floor (mode ""), the lenient floor ("--lenient")
    or compare the floor with the build ("--compare"). Its JSON result."""
    out = plan.workdir / f"{step}.json"
    module = [sys.executable, "-m", "synapse_devtools.bench.floor"]
    steps.run(step, [*module, *([mode] if mode else []), plan.engine, str(out)])
    return json.loads(out.read_text(encoding="utf-8"))


def _floor(plan: RunPlan, steps: _Steps, lenient: bool = False) -> tuple[float, dict]:
    """The hand-written floor's time and the rows of what it produced."""
    step = "floor_lenient" if lenient else "floor"
    result = _floor_step(plan, steps, step, "--lenient" if lenient else "")
    seconds, rows = float(result["seconds"]), result["rows"]
    say(f"{plan.engine} {plan.scale.label} {step} SQL: {seconds:.1f} s ({rows})")
    return seconds, rows


def _reruns(steps: _Steps, result: RunResult) -> int:
    """The no-change rerun, RERUNS times in a row: each is ten-odd seconds,
    where a shared host's speed varies by a fifth between one run and the
    next, so ``rerun_s`` is the median run, reported with all of them
    (``rerun_1_s``...). The median run's split and slowest models go with it.
    Returns the largest peak memory of the runs."""
    m = result.measures
    runs = []
    for number in range(1, RERUNS + 1):
        measured, timings = steps.dbt_step(f"rerun_{number}", ["build", *NO_TESTS])
        m[f"rerun_{number}_s"] = round(measured.seconds, 3)
        runs.append((measured.seconds, number, measured.peak_rss_bytes, timings))
    _, median, _, timings = sorted(runs, key=lambda run: run[0])[RERUNS // 2]
    for part in ("s", "model_s", "running_s", "nodes"):
        m[f"rerun_{part}"] = m[f"rerun_{median}_{part}"]
    result.rerun_slowest_models = timings[:5]
    return max(run[2] for run in runs)


def _generate(plan: RunPlan, steps: _Steps, result: RunResult) -> None:
    landing = plan.workdir / "landing"
    if landing.exists():
        shutil.rmtree(landing)
    measured = steps.run(
        "generate",
        [
            str(BIN / "synapse-land"),
            "generate",
            "--seed",
            str(plan.seed),
            "--users",
            str(result.users),
            "--days",
            str(result.days),
            "--end",
            result.end,
            "--out",
            str(landing),
        ],
    )
    truth = json.loads((landing / "_truth.json").read_text(encoding="utf-8"))
    result.raw_rows = {k: int(v) for k, v in truth["raw_rows"].items()}
    result.measures["generate_s"] = round(measured.seconds, 3)
    result.measures["generate_peak_rss_bytes"] = measured.peak_rss_bytes


def run_one(plan: RunPlan) -> RunResult:
    """Measure every step of one engine at one scale."""
    plan.workdir.mkdir(parents=True, exist_ok=True)
    # Whole hours: the held-back day is a clean (end - 1 day, end] window.
    end = dt.datetime.now(dt.UTC).replace(
        tzinfo=None, minute=0, second=0, microsecond=0
    )
    config = config_for_events(plan.scale.events, seed=plan.seed, days=DAYS)
    result = RunResult(
        engine=plan.engine,
        scale=plan.scale.label,
        target_events=plan.scale.events,
        users=config.users,
        days=config.days,
        end=end.isoformat(),
    )
    cutoff = end - dt.timedelta(days=1)
    m = result.measures
    with _warehouse_env(plan) as env:
        steps = _Steps(plan, env, result)
        _generate(plan, steps, result)
        m["land_s"] = round(steps.land("land", loaded_through=cutoff).seconds, 3)
        m["floor_lenient_s"] = round(_floor(plan, steps, lenient=True)[0], 3)
        floor_s, result.floor_rows = _floor(plan, steps)
        m["floor_s"] = round(floor_s, 3)
        full, timings = steps.dbt_step(
            "full_build", ["build", "--full-refresh", *NO_TESTS]
        )
        m["full_build_s"] = round(full.seconds, 3)
        result.slowest_models = timings[:10]
        result.floor_differences = _floor_step(plan, steps, "floor_check", "--compare")[
            "differences"
        ]
        say(
            f"{plan.engine} {plan.scale.label} floor answers: "
            + (
                "equal the build's"
                if result.floor_agrees
                else f"DIFFER from the build's: {result.floor_differences}"
            )
        )
        tests, _ = steps.dbt_step("tests", ["test"])
        m["tests_s"] = round(tests.seconds, 3)
        rerun_peak_rss_bytes = _reruns(steps, result)
        m["land_day_s"] = round(steps.land("land_day", loaded_after=cutoff).seconds, 3)
        incremental, timings = steps.dbt_step("incremental_build", ["build", *NO_TESTS])
        m["incremental_build_s"] = round(incremental.seconds, 3)
        result.incremental_slowest_models = timings[:5]
        m["build_peak_rss_bytes"] = max(
            full.peak_rss_bytes, rerun_peak_rss_bytes, incremental.peak_rss_bytes
        )
        m["tests_peak_rss_bytes"] = tests.peak_rss_bytes
    return result
