"""Warehouse access for the landing asset and the sensors, on the dbt target
the jobs build (DuckDB locally, Postgres in CI)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from synapse_landing.warehouse import DuckDBWarehouse, PostgresWarehouse, Warehouse

from .project import REPO_ROOT, dbt_target

# Messages of errors that go away on their own: a busy DuckDB file (another
# run holds the lock), a dropped or refused connection, a serialization
# conflict or deadlock. Anything else (a failed test, bad SQL) is permanent
# and retrying it would only delay the alert.
TRANSIENT_PATTERNS = (
    r"could not set lock on file",
    r"conflicting lock",
    r"could not connect to server",
    r"connection refused",
    r"server closed the connection",
    r"connection (?:reset|timed out)",
    r"terminating connection",
    r"deadlock detected",
    r"could not serialize access",
    r"serializable isolation violation",
    r"too many connections",
    r"the database system is (?:starting up|shutting down)",
)


def is_transient(message: str) -> bool:
    """True when a warehouse error is worth retrying."""
    return any(re.search(p, message, re.IGNORECASE) for p in TRANSIENT_PATTERNS)


def duckdb_path() -> Path:
    return Path(
        os.environ.get(
            "SYNAPSE_DUCKDB_PATH", REPO_ROOT / "warehouse" / "synapse.duckdb"
        )
    )


def open_warehouse(schema: str = "raw") -> Warehouse:
    """A read-write connection for landing, on the configured target."""
    if dbt_target() == "local":
        return DuckDBWarehouse(path=str(duckdb_path()), schema=schema)
    return PostgresWarehouse(schema=schema)


def query(sql: str) -> list[tuple[Any, ...]]:
    """Run one read-only query on the configured target.

    DuckDB is opened read-only, so a sensor never blocks a running build
    (it may still be refused while a build holds the write lock)."""
    if dbt_target() == "local":
        import duckdb

        connection = duckdb.connect(str(duckdb_path()), read_only=True)
        try:
            return connection.execute(sql).fetchall()
        finally:
            connection.close()
    import psycopg2

    from synapse_landing.warehouse import postgres_settings

    connection = psycopg2.connect(**postgres_settings())
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()
    finally:
        connection.close()
