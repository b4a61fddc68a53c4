"""`make dr-drill`: rehearse the disaster recovery of the DuckDB warehouse.

The raw zone's JSON-lines files are the backup of record (RPO 24 h, RTO 4 h).
The drill proves it: it copies every mart table out of the warehouse, deletes
the warehouse, re-lands the whole raw zone, rebuilds every model, and checks
that each mart holds exactly the rows it held before (a multiset comparison,
both ways, plus a content fingerprint per mart for the report). It prints the
time each step took against the RTO, writes a JSON report, and exits 1 when
any mart differs.

    python -m synapse_devtools.dr_drill                       # make build's warehouse
    python -m synapse_devtools.dr_drill --warehouse w.duckdb --raw-zone landing/
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
RTO_SECONDS = 4 * 3600
SNAPSHOT_SCHEMA = "before_drill"
# Floating-point aggregates (avg over doubles) are summed in whatever order
# DuckDB's parallel threads finish, so their last bits differ from one build
# to the next. Float columns are compared within this relative tolerance
# (rounding would not do: two values 1e-13 apart can round apart); every
# other type is compared exactly.
FLOAT_TOLERANCE = 1e-9
FLOAT_TYPES = {"DOUBLE", "FLOAT", "REAL"}


class DrillError(RuntimeError):
    """The drill could not run (missing warehouse, raw zone, failed step)."""


@dataclass(frozen=True)
class Mart:
    """A mart relation of the manifest: where it lives in the warehouse."""

    name: str
    schema: str
    alias: str
    # Columns that hold when a build wrote the row (meta.equivalence
    # not_compared): a rebuild writes new ones, so they are not compared.
    build_times: tuple[str, ...] = ()

    @property
    def relation(self) -> str:
        return f'"{self.schema}"."{self.alias}"'

    @property
    def columns(self) -> str:
        """The select list of the compared columns."""
        if not self.build_times:
            return "*"
        return f"* exclude ({', '.join(_quoted(list(self.build_times)))})"

    @property
    def compared(self) -> str:
        """The relation as compared: without its build-time columns."""
        if not self.build_times:
            return self.relation
        return f"(select {self.columns} from {self.relation})"

    @property
    def snapshot(self) -> str:
        return f'snapshot."{SNAPSHOT_SCHEMA}"."{self.schema}__{self.alias}"'


@dataclass(frozen=True)
class MartCheck:
    """One mart compared: rows and fingerprints before and after."""

    name: str
    rows_before: int
    rows_after: int
    fingerprint_before: str
    fingerprint_after: str
    missing_rows: int  # rows before the drill not found after it
    extra_rows: int  # rows after the drill that were not there before
    columns_match: bool
    float_columns: list[str]  # compared within FLOAT_TOLERANCE

    @property
    def equal(self) -> bool:
        return self.columns_match and self.missing_rows == 0 and self.extra_rows == 0


def say(message: str) -> None:
    print(f"[dr-drill {time.strftime('%H:%M:%S')}] {message}", flush=True)


def _env(warehouse: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["SYNAPSE_DUCKDB_PATH"] = str(warehouse)
    env.setdefault("DBT_PROFILES_DIR", str(ROOT / ".dbt"))
    return env


def _run(label: str, command: list[str], env: dict[str, str], log: Path) -> float:
    """Run one step, its output in ``log``; its wall time in seconds."""
    say(f"{label} ...")
    started = time.perf_counter()
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w", encoding="utf-8") as sink:
        result = subprocess.run(
            command, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT
        )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        tail = "\n".join(log.read_text(encoding="utf-8").splitlines()[-30:])
        raise DrillError(
            f"{label} failed (exit {result.returncode}), log {log}:\n{tail}"
        )
    say(f"{label}: {seconds:.1f} s")
    return seconds


def _dbt(args: list[str], workdir: Path) -> list[str]:
    return [
        str(BIN / "dbt"),
        *args,
        "--target",
        "local",
        "--target-path",
        str(workdir / "target"),
        "--log-path",
        str(workdir / "logs"),
    ]


def list_marts(workdir: Path, env: dict[str, str]) -> list[Mart]:
    """Every model under models/marts/ that the build materialises, from the
    manifest of a fresh `dbt parse` (so a new mart is never forgotten)."""
    _run("dbt parse", _dbt(["parse"], workdir), env, workdir / "parse.log")
    return marts_from_manifest(workdir / "target" / "manifest.json")


def marts_from_manifest(path: Path) -> list[Mart]:
    """The materialised models under models/marts/ of a dbt manifest."""
    manifest = json.loads(path.read_text(encoding="utf-8"))
    marts = [
        Mart(
            node["name"],
            node["schema"],
            node.get("alias") or node["name"],
            tuple(
                sorted(
                    name
                    for name, column in node["columns"].items()
                    if column.get("meta", {}).get("equivalence") == "not_compared"
                )
            ),
        )
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["original_file_path"].startswith("models/marts/")
        and node["config"].get("materialized") != "ephemeral"
        and node["config"].get("enabled", True)
    ]
    if not marts:
        raise DrillError("the manifest lists no mart under models/marts/")
    return sorted(marts, key=lambda m: m.name)


def _fingerprint(con: duckdb.DuckDBPyConnection, relation: str) -> tuple[int, str]:
    """Row count and an order-independent content hash of every row (exact:
    differs for float columns off in their last bits)."""
    rows, digest = con.execute(
        f"select count(*), coalesce(sum(hash(t)::hugeint), 0) from {relation} as t"
    ).fetchone()
    return int(rows), f"{int(digest) & (2**128 - 1):032x}"


def snapshot_marts(warehouse: Path, snapshot: Path, marts: list[Mart]) -> None:
    """Copy every mart into a separate DuckDB file, outside the warehouse that
    the drill is about to delete (the warehouse is only read)."""
    snapshot.unlink(missing_ok=True)
    con = duckdb.connect(str(snapshot))
    try:
        con.execute(f"attach '{warehouse}' as warehouse (read_only)")
        con.execute(f"create schema {SNAPSHOT_SCHEMA}")
        for mart in marts:
            con.execute(
                f'create table {SNAPSHOT_SCHEMA}."{mart.schema}__{mart.alias}" '
                f"as select {mart.columns} from warehouse.{mart.relation}"
            )
        con.execute("detach warehouse")
    finally:
        con.close()


def _columns(con: duckdb.DuckDBPyConnection, relation: str) -> list[tuple[str, str]]:
    return [
        (row[0], row[1])
        for row in con.execute(f"describe select * from {relation}").fetchall()
    ]


def _quoted(names: list[str], table: str = "") -> list[str]:
    prefix = f"{table}." if table else ""
    return [f'{prefix}"{name}"' for name in names]


def _mismatches(
    con: duckdb.DuckDBPyConnection,
    before: str,
    after: str,
    columns: list[tuple[str, str]],
) -> tuple[int, int]:
    """(rows lost, rows new) between two relations with the same columns.

    Without float columns: EXCEPT ALL both ways (exact, multiset). With
    them: rows are paired on every other column (exactly; duplicates paired
    in order of their floats) and paired floats must agree within
    FLOAT_TOLERANCE; an unpaired or disagreeing row counts on both sides."""
    floats = [name for name, kind in columns if kind in FLOAT_TYPES]
    if not floats:
        lost = con.execute(
            f"select count(*) from (select * from {before} "
            f"except all select * from {after})"
        ).fetchone()[0]
        new = con.execute(
            f"select count(*) from (select * from {after} "
            f"except all select * from {before})"
        ).fetchone()[0]
        return int(lost), int(new)
    exact = [name for name, kind in columns if kind not in FLOAT_TYPES]
    partition = f"partition by {', '.join(_quoted(exact))}" if exact else ""
    numbered = (
        "select *, row_number() over ("
        f"{partition} order by {', '.join(_quoted(floats))}) as drill_pair "
        "from {}"
    )
    pairing = " and ".join(f"b.{c} is not distinct from a.{c}" for c in _quoted(exact))
    close = " and ".join(
        f"((b.{c} is null and a.{c} is null) or abs(b.{c} - a.{c}) <= "
        f"{FLOAT_TOLERANCE} * greatest(1, abs(b.{c}), abs(a.{c})))"
        for c in _quoted(floats)
    )
    lost, new, changed = con.execute(
        f"""
        select
            count(*) filter (where a.drill_pair is null),
            count(*) filter (where b.drill_pair is null),
            count(*) filter (where a.drill_pair is not null
                and b.drill_pair is not null and not ({close}))
        from ({numbered.format(before)}) as b
        full outer join ({numbered.format(after)}) as a
            on {pairing + " and " if pairing else ""}b.drill_pair = a.drill_pair
        """
    ).fetchone()
    return int(lost) + int(changed), int(new) + int(changed)


def compare_marts(
    warehouse: Path, snapshot: Path, marts: list[Mart]
) -> list[MartCheck]:
    """Each mart now against its copy from before: same columns and types,
    and the same rows as a multiset (EXCEPT ALL both ways, so a duplicated or
    a lost row counts as well as a changed one); float columns within
    FLOAT_TOLERANCE, everything else exact."""
    con = duckdb.connect(str(warehouse), read_only=True)
    checks: list[MartCheck] = []
    try:
        con.execute(f"attach '{snapshot}' as snapshot (read_only)")
        for mart in marts:
            columns = _columns(con, mart.snapshot)
            rows_before, fp_before = _fingerprint(con, mart.snapshot)
            try:
                columns_match = _columns(con, mart.compared) == columns
                rows_after, fp_after = _fingerprint(con, mart.compared)
            except duckdb.Error:  # missing, or a column lost: not the same mart
                columns_match, rows_after, fp_after = False, 0, "missing"
            missing = extra = 0
            if columns_match:
                missing, extra = _mismatches(con, mart.snapshot, mart.compared, columns)
            checks.append(
                MartCheck(
                    mart.name,
                    rows_before,
                    rows_after,
                    fp_before,
                    fp_after,
                    int(missing),
                    int(extra),
                    columns_match,
                    [name for name, kind in columns if kind in FLOAT_TYPES],
                )
            )
    finally:
        con.close()
    return checks


def _delete_warehouse(warehouse: Path) -> None:
    for path in (warehouse, Path(f"{warehouse}.wal")):
        path.unlink(missing_ok=True)
    say(f"deleted {warehouse}")


def drill(
    warehouse: Path, raw_zone: Path, workdir: Path, run_tests: bool = True
) -> dict:
    """The whole drill; returns its report (also written to workdir)."""
    warehouse, raw_zone, workdir = (
        warehouse.resolve(),
        raw_zone.resolve(),
        workdir.resolve(),
    )
    if not warehouse.is_file():
        raise DrillError(f"no warehouse at {warehouse}: run `make build` first")
    if not (raw_zone / "app_events").is_dir():
        raise DrillError(f"no raw zone at {raw_zone} (expected {raw_zone}/app_events/)")
    workdir.mkdir(parents=True, exist_ok=True)
    env = _env(warehouse)
    marts = list_marts(workdir, env)
    snapshot = workdir / "marts-before.duckdb"
    started = time.perf_counter()
    snapshot_marts(warehouse, snapshot, marts)
    say(f"copied {len(marts)} marts to {snapshot}")
    steps: dict[str, float] = {}
    recovery_started = time.perf_counter()
    _delete_warehouse(warehouse)
    land = [str(BIN / "synapse-land"), "load", "--from", str(raw_zone)]
    steps["re_land_s"] = _run(
        "re-land the raw zone",
        [*land, "--warehouse", "duckdb", "--replace"],
        env,
        workdir / "land.log",
    )
    if env.get("SYNAPSE_EMAIL_HASH_SALT"):
        _run(
            "store the email-hash salt",
            [str(BIN / "synapse-land"), "put-salt", "--warehouse", "duckdb"],
            env,
            workdir / "salt.log",
        )
    build = ["build", "--full-refresh"]
    if not run_tests:
        build += ["--exclude", "resource_type:test", "resource_type:unit_test"]
    steps["rebuild_s"] = _run(
        "rebuild every model", _dbt(build, workdir), env, workdir / "build.log"
    )
    recovery_s = time.perf_counter() - recovery_started
    checks = compare_marts(warehouse, snapshot, marts)
    report = {
        "warehouse": str(warehouse),
        "raw_zone": str(raw_zone),
        "steps": {k: round(v, 2) for k, v in steps.items()},
        "recovery_s": round(recovery_s, 2),
        "drill_s": round(time.perf_counter() - started, 2),
        "rto_s": RTO_SECONDS,
        "within_rto": recovery_s <= RTO_SECONDS,
        "marts": [asdict(c) | {"equal": c.equal} for c in checks],
        "passed": all(c.equal for c in checks) and recovery_s <= RTO_SECONDS,
    }
    (workdir / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    return report


def print_report(report: dict) -> None:
    say("marts after the drill, against before:")
    for mart in report["marts"]:
        floats = " (floats within 1e-9)" if mart["float_columns"] else ""
        verdict = (
            f"equal{floats}"
            if mart["equal"]
            else (
                "DIFFERS"
                + ("" if mart["columns_match"] else " (columns)")
                + f" ({mart['missing_rows']} rows lost, {mart['extra_rows']} rows new)"
            )
        )
        print(
            f"  {mart['name']:<40} {mart['rows_before']:>9,} -> "
            f"{mart['rows_after']:>9,} rows  {verdict}",
            flush=True,
        )
    minutes = report["recovery_s"] / 60
    say(
        f"recovery (delete, re-land, rebuild) took {minutes:.1f} min against an "
        f"RTO of {report['rto_s'] / 3600:g} h: "
        + ("within" if report["within_rto"] else "BEYOND")
    )
    equal = sum(m["equal"] for m in report["marts"])
    say(
        f"{equal}/{len(report['marts'])} marts equal: drill "
        + ("PASSED" if report["passed"] else "FAILED")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m synapse_devtools.dr_drill", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--warehouse",
        type=Path,
        default=Path(
            os.environ.get("SYNAPSE_DUCKDB_PATH")
            or ROOT / "warehouse" / "synapse.duckdb"
        ),
        help="the DuckDB warehouse to recover (default: $SYNAPSE_DUCKDB_PATH or "
        "warehouse/synapse.duckdb)",
    )
    parser.add_argument(
        "--raw-zone",
        type=Path,
        default=ROOT / "landing",
        help="raw zone (default landing/)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        default=ROOT / "target" / "dr-drill",
        help="mart copies, logs and report.json (default target/dr-drill)",
    )
    parser.add_argument(
        "--skip-tests",
        action="store_true",
        help="rebuild without dbt's data and unit tests (faster; the marts are "
        "compared all the same)",
    )
    args = parser.parse_args(argv)
    try:
        report = drill(args.warehouse, args.raw_zone, args.workdir, not args.skip_tests)
    except DrillError as error:
        print(f"dr-drill: error: {error}", file=sys.stderr)
        return 2
    print_report(report)
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
