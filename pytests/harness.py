"""Test harness: run dbt and the landing tool against throwaway warehouses."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PROFILES_DIR = ROOT / ".dbt"


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
    work = ROOT / "target" / "pytest" / run_name
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

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = psycopg2.connect(**postgres_admin_settings())
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"create database {name}")
    try:
        yield name
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"drop database if exists {name} with (force)")
        admin.close()


def ensure_roles(roles: Sequence[str]) -> None:
    """Create the warehouse roles that column grants name (nologin), if
    missing, and make the admin a member so it can act as each of them."""
    import psycopg2

    admin = psycopg2.connect(**postgres_admin_settings())
    admin.autocommit = True
    with admin.cursor() as cursor:
        for role in roles:
            cursor.execute(
                "do $$ begin if not exists (select from pg_roles where rolname = "
                f"'{role}') then create role {role} nologin; end if; end $$"
            )
            cursor.execute(f"grant {role} to current_user")
    admin.close()
