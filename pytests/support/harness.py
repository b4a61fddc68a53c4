"""Test harness: run dbt and the landing tool against throwaway warehouses.

Parallel-safe under pytest-xdist (`make pytest` runs two workers): every
path a test writes under target/ goes through `work_dir`, which gives each
worker its own folder, and database names carry the worker's id."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PROFILES_DIR = ROOT / ".dbt"
# "gw0", "gw1", ... under pytest-xdist; empty in a plain (sequential) run.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
# Where the tests' dbt runs, warehouses and copies go: target/pytest/ in a
# sequential run, target/pytest/<worker>/ under xdist, so two workers never
# write the same file.
WORK_ROOT = ROOT / "target" / "pytest" / WORKER


def work_dir(name: str) -> Path:
    """This worker's folder for `name` under target/pytest/ (not created)."""
    return WORK_ROOT / name


class DbtError(AssertionError):
    pass


def ensure_profiles() -> None:
    PROFILES_DIR.mkdir(exist_ok=True)
    link = PROFILES_DIR / "profiles.yml"
    if not link.exists():
        link.symlink_to(Path("..") / "profiles.yml.example")


def dbt(
    args: Sequence[str],
    *,
    target: str,
    env: dict[str, str],
    run_name: str,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run dbt as a subprocess with its own target path and logs."""
    ensure_profiles()
    work = work_dir(run_name)
    command = [
        str(BIN / "dbt"),
        *args,
        "--target",
        target,
        "--target-path",
        str(work),
        "--log-path",
        str(work / "logs"),
    ]
    full_env = {**os.environ, "DBT_PROFILES_DIR": str(PROFILES_DIR), **env}
    result = subprocess.run(
        command, cwd=ROOT, env=full_env, capture_output=True, text=True
    )
    if check and result.returncode != 0:
        tail = "\n".join(result.stdout.splitlines()[-60:])
        raise DbtError(
            f"dbt {' '.join(args)} failed on {target} (exit {result.returncode})"
            f":\n{tail}\n{result.stderr[-2000:]}"
        )
    return result


def land_cli(args: Sequence[str], env: dict[str, str]) -> str:
    result = subprocess.run(
        [str(BIN / "synapse-land"), *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise AssertionError(
            f"synapse-land {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
        )
    return result.stdout


# ---------- PostgreSQL ----------


def postgres_admin_settings() -> dict[str, str]:
    from synapse_landing.warehouse import postgres_settings

    return postgres_settings()


def postgres_reachable() -> tuple[bool, str]:
    import psycopg2

    try:
        psycopg2.connect(**postgres_admin_settings()).close()
    except psycopg2.Error as error:
        return False, str(error).strip()
    return True, ""


@contextmanager
def temporary_postgres_database(prefix: str = "synapse_test") -> Iterator[str]:
    """A fresh database for one test; dropped afterwards."""
    import psycopg2

    from synapse_landing.warehouse import drop_postgres_database

    worker = f"_{WORKER}" if WORKER else ""
    name = f"{prefix}{worker}_{uuid.uuid4().hex[:10]}"
    # Read the settings now: a test may point SYNAPSE_PG_DATABASE at the
    # new database, and the drop must connect to another one.
    settings = postgres_admin_settings()
    admin = psycopg2.connect(**settings)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"create database {name}")
    admin.close()
    try:
        yield name
    finally:
        drop_postgres_database(name, settings)


# Roles are global to the Postgres cluster, unlike databases: two xdist
# workers (or two test runs on one machine) creating the same role at once
# would race (a duplicate-key error on pg_authid, or "tuple concurrently
# updated" on the grant). A lock file in the system temp folder serialises
# them across every process of this machine.
ROLES_LOCK = Path(tempfile.gettempdir()) / "synapse-pytest-pg-roles.lock"


@contextmanager
def roles_lock() -> Iterator[None]:
    """Hold the machine-wide lock for creating or dropping cluster roles."""
    with ROLES_LOCK.open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ensure_roles(roles: Sequence[str]) -> None:
    """Create the warehouse roles that column grants name (nologin), if
    missing, and make the admin a member so it can act as each of them."""
    import psycopg2

    with roles_lock():
        admin = psycopg2.connect(**postgres_admin_settings())
        admin.autocommit = True
        with admin.cursor() as cursor:
            for role in roles:
                cursor.execute(
                    "do $$ begin if not exists (select from pg_roles where "
                    f"rolname = '{role}') then create role {role} nologin; "
                    "end if; end $$"
                )
                cursor.execute(f"grant {role} to current_user")
        admin.close()
