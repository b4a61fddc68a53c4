"""Connections to the warehouses the tooling can land into: DuckDB and Postgres.

Both expose the same small interface (create the raw schema, append rows from
JSON-lines files, run a query) so the loader and the tests do not care which
engine is behind them. Redshift is landed by the production COPY jobs, not here.
"""

from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import duckdb

from . import contract

DEFAULT_DUCKDB_PATH = "warehouse/synapse.duckdb"

# The one-row table dbt reads the email-hash salt from (source secrets.
# email_hash_salt): the salt lives in the warehouse, never in compiled SQL.
SALT_SCHEMA = "secrets"
SALT_TABLE = f"{SALT_SCHEMA}.email_hash_salt"
_SALT_DDL = (
    f"create schema if not exists {SALT_SCHEMA}",
    f"create table if not exists {SALT_TABLE} (salt varchar(256))",
)


def duckdb_type(sql_type: str) -> str:
    """DuckDB ignores varchar lengths; keep the declared type for information."""
    return sql_type


def sql_literal(text: str) -> str:
    """A SQL string literal for DuckDB and Postgres (standard strings)."""
    return "'" + text.replace("'", "''") + "'"


def checked_schema(schema: str) -> str:
    """The raw schema name, refused unless it is a plain identifier: it is
    rendered unquoted into DDL and queries."""
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", schema):
        raise ValueError(
            f"schema {schema[:80]!r} is not a plain lowercase identifier "
            "([a-z_][a-z0-9_]*, at most 63 characters)"
        )
    return schema


def _read_json_sql(table: str, files: Sequence[Path]) -> str:
    columns = ", ".join(
        f"'{column.name}': '{duckdb_type(column.sql_type)}'"
        for column in contract.RAW_TABLES[table]
    )
    file_list = ", ".join(sql_literal(path.as_posix()) for path in files)
    return (
        f"select * from read_json([{file_list}], format = 'newline_delimited', "
        f"columns = {{{columns}}}, "
        f"timestampformat = '{contract.TIMESTAMP_TEXT_FORMAT}')"
    )


class Warehouse(Protocol):
    name: str
    schema: str

    def ensure_raw_tables(self, replace: bool = False) -> None: ...

    def append_jsonl(
        self,
        table: str,
        files: Sequence[Path],
        loaded_at_override: str | None,
        row_filter: str | None = None,
    ) -> int: ...

    def query(self, sql: str) -> list[tuple[Any, ...]]: ...

    def execute(self, sql: str) -> None: ...

    def put_salt(self, salt: str) -> None: ...

    def close(self) -> None: ...


def _filtered(sql: str, row_filter: str | None) -> str:
    return f"select * from ({sql}) as landed where {row_filter}" if row_filter else sql


def _select_list(table: str, loaded_at_override: str | None) -> str:
    names = []
    for column in contract.RAW_TABLES[table]:
        if column.name == "loaded_at" and loaded_at_override is not None:
            names.append(f"timestamp '{loaded_at_override}' as loaded_at")
        else:
            names.append(f'"{column.name}"')
    return ", ".join(names)


@dataclass
class DuckDBWarehouse:
    path: str = DEFAULT_DUCKDB_PATH
    schema: str = "raw"
    name: str = "duckdb"

    def __post_init__(self) -> None:
        checked_schema(self.schema)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self.connection = duckdb.connect(self.path)

    def ensure_raw_tables(self, replace: bool = False) -> None:
        self.connection.execute(f"create schema if not exists {self.schema}")
        for table in contract.RAW_TABLES:
            if replace:
                self.connection.execute(f"drop table if exists {self.schema}.{table}")
            self.connection.execute(contract.create_table_sql(table, self.schema))

    def append_jsonl(
        self,
        table: str,
        files: Sequence[Path],
        loaded_at_override: str | None = None,
        row_filter: str | None = None,
    ) -> int:
        if not files:
            return 0
        select_list = _select_list(table, loaded_at_override)
        columns = ", ".join(f'"{name}"' for name in contract.column_names(table))
        before = self.count(table)
        source = _filtered(_read_json_sql(table, files), row_filter)
        self.connection.execute(
            f"insert into {self.schema}.{table} ({columns}) "
            f"select {select_list} from ({source})"
        )
        return self.count(table) - before

    def count(self, table: str) -> int:
        return self.query(f"select count(*) from {self.schema}.{table}")[0][0]

    def put_salt(self, salt: str) -> None:
        """Replace the salt table's row; the salt is a bound parameter, so it
        never appears in SQL text (or in any log of it)."""
        for statement in _SALT_DDL:
            self.connection.execute(statement)
        self.connection.execute("begin")
        self.connection.execute(f"delete from {SALT_TABLE}")
        self.connection.execute(f"insert into {SALT_TABLE} (salt) values (?)", [salt])
        self.connection.execute("commit")

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        return self.connection.execute(sql).fetchall()

    def execute(self, sql: str) -> None:
        self.connection.execute(sql)

    def close(self) -> None:
        self.connection.close()


def postgres_settings() -> dict[str, str]:
    """Connection settings from the same variables the dbt profile reads."""
    return {
        "host": os.environ.get("SYNAPSE_PG_HOST", "localhost"),
        "port": os.environ.get("SYNAPSE_PG_PORT", "5432"),
        "user": os.environ.get("SYNAPSE_PG_USER", "synapse"),
        "password": os.environ.get("SYNAPSE_PG_PASSWORD", ""),
        "dbname": os.environ.get("SYNAPSE_PG_DATABASE", "synapse"),
        "sslmode": os.environ.get("SYNAPSE_PG_SSLMODE", "prefer"),
        "connect_timeout": "5",
    }


def drop_postgres_database(
    name: str, settings: dict[str, str] | None = None, wait_seconds: float = 60.0
) -> None:
    """Drop a scratch database, waiting out sessions we may not terminate.

    ``drop database ... with (force)`` terminates the sessions still in the
    database, but only those of roles we are a member of. An autovacuum
    worker, which often starts on a database that was just loaded, belongs
    to no role, so the drop is refused with InsufficientPrivilege until the
    worker finishes; the drop is retried until ``wait_seconds`` pass.
    ``settings`` must name another database (default: postgres_settings()).
    """
    import time

    import psycopg2
    from psycopg2 import sql

    settings = dict(settings or postgres_settings())
    if settings.get("dbname") == name:
        raise ValueError(f"connect to another database than {name} to drop it")
    admin = psycopg2.connect(**settings)
    admin.autocommit = True
    deadline = time.monotonic() + wait_seconds
    statement = sql.SQL("drop database if exists {} with (force)").format(
        sql.Identifier(name)
    )
    try:
        with admin.cursor() as cursor:
            while True:
                try:
                    cursor.execute(statement)
                    return
                except psycopg2.errors.InsufficientPrivilege:
                    if time.monotonic() > deadline:
                        cursor.execute(
                            "select pid, usename, backend_type, state"
                            " from pg_stat_activity where datname = %s",
                            (name,),
                        )
                        raise RuntimeError(
                            f"database {name} could not be dropped within "
                            f"{wait_seconds:.0f} s; sessions still in it: "
                            f"{cursor.fetchall()}"
                        ) from None
                    time.sleep(0.5)
    finally:
        admin.close()


@dataclass
class PostgresWarehouse:
    schema: str = "raw"
    dbname: str | None = None
    name: str = "postgres"

    def __post_init__(self) -> None:
        import psycopg2

        checked_schema(self.schema)
        settings = postgres_settings()
        if self.dbname:
            settings["dbname"] = self.dbname
        self.connection = psycopg2.connect(**settings)
        self.connection.autocommit = True

    def ensure_raw_tables(self, replace: bool = False) -> None:
        self.execute(f"create schema if not exists {self.schema}")
        for table in contract.RAW_TABLES:
            if replace:
                self.execute(f"drop table if exists {self.schema}.{table} cascade")
            self.execute(contract.create_table_sql(table, self.schema))

    def append_jsonl(
        self,
        table: str,
        files: Sequence[Path],
        loaded_at_override: str | None = None,
        row_filter: str | None = None,
    ) -> int:
        """Parse the files with DuckDB, then COPY them in as CSV in one stream."""
        if not files:
            return 0
        names = contract.column_names(table)
        with tempfile.TemporaryDirectory() as scratch:
            csv_path = Path(scratch) / f"{table}.csv"
            reader = duckdb.connect()
            # Quoting every non-null value keeps '' (empty text) apart from NULL.
            reader.execute(
                f"copy (select {_select_list(table, loaded_at_override)} "
                f"from ({_filtered(_read_json_sql(table, files), row_filter)})) "
                f"to {sql_literal(csv_path.as_posix())} "
                "(header false, force_quote *, timestampformat "
                f"'{contract.TIMESTAMP_TEXT_FORMAT}')"
            )
            reader.close()
            columns = ", ".join(f'"{name}"' for name in names)
            with self.connection.cursor() as cursor, csv_path.open() as handle:
                cursor.copy_expert(
                    f"copy {self.schema}.{table} ({columns}) from stdin "
                    "with (format csv)",
                    handle,
                )
                return cursor.rowcount

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        with self.connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    def execute(self, sql: str) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(sql)

    def put_salt(self, salt: str) -> None:
        """Replace the salt table's row in one transaction. The salt travels
        as COPY data, not as SQL text: psycopg2 would interpolate a bound
        parameter client-side, and a statement log would then show it."""
        for statement in _SALT_DDL:
            self.execute(statement)
        row = io.StringIO()
        csv.writer(row, quoting=csv.QUOTE_ALL, lineterminator="\n").writerow([salt])
        row.seek(0)
        self.connection.autocommit = False
        try:
            with self.connection.cursor() as cursor:
                cursor.execute(f"delete from {SALT_TABLE}")
                cursor.copy_expert(
                    f"copy {SALT_TABLE} (salt) from stdin with (format csv)", row
                )
            self.connection.commit()
        except Exception:
            self.connection.rollback()
            raise
        finally:
            self.connection.autocommit = True

    def close(self) -> None:
        self.connection.close()


@contextmanager
def connect(
    engine: str, duckdb_path: str | None = None, schema: str = "raw"
) -> Iterator[Warehouse]:
    if engine == "duckdb":
        warehouse: Warehouse = DuckDBWarehouse(
            path=duckdb_path
            or os.environ.get("SYNAPSE_DUCKDB_PATH", DEFAULT_DUCKDB_PATH),
            schema=schema,
        )
    elif engine == "postgres":
        warehouse = PostgresWarehouse(schema=schema)
    else:
        raise ValueError(f"unknown warehouse engine {engine!r}: use duckdb or postgres")
    try:
        yield warehouse
    finally:
        warehouse.close()
