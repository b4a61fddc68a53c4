"""Read-only connections to the warehouse the dashboards and the report read.

DuckDB (the default) is opened read-only, one short connection per read, so
a `make build` running next to an open dashboard is not locked out for long.
Postgres and Redshift are read as the `reporter` role: the app asks the
engine which columns that role may select and never names any other, so a
denied column is simply absent instead of failing the query.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

TARGETS = ("local", "postgres", "prod")
MART_SCHEMA = "mart"
DEFAULT_DUCKDB_PATH = "warehouse/synapse.duckdb"


class WarehouseUnavailable(RuntimeError):
    """The warehouse cannot be opened; the message says what to do."""


@dataclass(frozen=True)
class MartRead:
    """What one read of a mart returned, and what it could not return."""

    relation: str
    frame: pd.DataFrame
    missing: bool = False
    hidden: tuple[str, ...] = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        return self.missing or self.frame.empty

    def has(self, *columns: str) -> bool:
        return not self.missing and all(c in self.frame.columns for c in columns)


def default_target() -> str:
    """SYNAPSE_DASHBOARD_TARGET, else the dbt default SYNAPSE_TARGET, else local."""
    target = os.environ.get(
        "SYNAPSE_DASHBOARD_TARGET", os.environ.get("SYNAPSE_TARGET", "local")
    )
    if target not in TARGETS:
        raise WarehouseUnavailable(
            f"unknown target {target!r}; expected one of {', '.join(TARGETS)}"
        )
    return target


def _quote(name: str) -> str:
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unexpected identifier {name!r}")
    return f'"{name}"'


def _date_literal(value: dt.date) -> str:
    return f"date '{dt.date.fromisoformat(str(value)).isoformat()}'"


@dataclass
class Warehouse:
    """One engine: `local` (DuckDB file) or `postgres`/`prod` as the reporter."""

    target: str = "local"
    duckdb_path: str | None = None
    # How a server says which columns the role may read: "catalog"
    # (has_column_privilege, Postgres) or "probe" (Redshift, see below).
    privilege_check: str = ""

    def __post_init__(self) -> None:
        if not self.privilege_check:
            self.privilege_check = "probe" if self.target == "prod" else "catalog"
        self._validate()

    def _validate(self) -> None:
        if self.target not in TARGETS:
            raise WarehouseUnavailable(
                f"unknown target {self.target!r}; expected one of {', '.join(TARGETS)}"
            )

    @property
    def description(self) -> str:
        if self.target == "local":
            return f"DuckDB {self._duckdb_file()} (read-only)"
        settings = self._server_settings()
        return (
            f"{'Redshift' if self.target == 'prod' else 'PostgreSQL'} "
            f"{settings['host']}/{settings['dbname']} as {settings['user']}"
        )

    # ---------- connections ----------

    def _duckdb_file(self) -> Path:
        return Path(
            self.duckdb_path
            or os.environ.get("SYNAPSE_DUCKDB_PATH", DEFAULT_DUCKDB_PATH)
        )

    def _server_settings(self) -> dict[str, Any]:
        """Reporter credentials from the environment; host and TLS per target."""
        login = {
            "user": os.environ.get("SYNAPSE_REPORTER_USER", "reporter"),
            "password": os.environ.get("SYNAPSE_REPORTER_PASSWORD", ""),
        }
        if self.target == "postgres":
            return {
                "host": os.environ.get("SYNAPSE_PG_HOST", "localhost"),
                "port": int(os.environ.get("SYNAPSE_PG_PORT", "5432")),
                "dbname": os.environ.get("SYNAPSE_PG_DATABASE", "synapse"),
                "sslmode": os.environ.get("SYNAPSE_PG_SSLMODE", "prefer"),
                **login,
            }
        return {
            "host": os.environ.get(
                "SYNAPSE_REDSHIFT_HOST", "synapse-prod.example.invalid"
            ),
            "port": int(os.environ.get("SYNAPSE_REDSHIFT_PORT", "5439")),
            "dbname": os.environ.get("SYNAPSE_REDSHIFT_DATABASE", "synapse"),
            "sslmode": os.environ.get("SYNAPSE_REDSHIFT_SSLMODE", "verify-full"),
            **login,
        }

    @contextmanager
    def _connect(self) -> Iterator[Any]:
        if self.target == "local":
            yield from self._connect_duckdb()
            return
        import psycopg2

        settings = self._server_settings()
        try:
            connection = psycopg2.connect(connect_timeout=10, **settings)
        except psycopg2.Error as error:
            raise WarehouseUnavailable(
                f"cannot connect to {self.description}: {str(error).strip()} "
                "(set SYNAPSE_REPORTER_USER / SYNAPSE_REPORTER_PASSWORD)"
            ) from error
        connection.set_session(readonly=True, autocommit=True)
        try:
            yield connection
        finally:
            connection.close()

    def _connect_duckdb(self) -> Iterator[Any]:
        import duckdb

        path = self._duckdb_file()
        if not path.exists():
            raise WarehouseUnavailable(
                f"no DuckDB warehouse at {path}; run `make build` first "
                "(or point SYNAPSE_DUCKDB_PATH at one)"
            )
        try:
            connection = duckdb.connect(str(path), read_only=True)
        except duckdb.Error as error:
            raise WarehouseUnavailable(
                f"cannot open {path} read-only: {error} "
                "(is a dbt build writing to it right now?)"
            ) from error
        try:
            yield connection
        finally:
            connection.close()

    # ---------- queries ----------

    def _fetch(self, connection: Any, sql: str) -> pd.DataFrame:
        if self.target == "local":
            cursor = connection.execute(sql)
            names = [d[0] for d in cursor.description]
            return pd.DataFrame(cursor.fetchall(), columns=names)
        with connection.cursor() as cursor:
            cursor.execute(sql)
            names = [d[0] for d in cursor.description]
            return pd.DataFrame(cursor.fetchall(), columns=names)

    def _relation_exists(self, connection: Any, relation: str) -> bool:
        if self.target == "local":
            sql = (
                "select count(*) as n from information_schema.tables "
                f"where table_schema = '{MART_SCHEMA}' and table_name = '{relation}'"
            )
        else:
            sql = (
                "select count(*) as n from pg_catalog.pg_class c "
                "join pg_catalog.pg_namespace n on n.oid = c.relnamespace "
                f"where n.nspname = '{MART_SCHEMA}' and c.relname = '{relation}'"
            )
        return int(self._fetch(connection, sql)["n"].iloc[0]) > 0

    def _permitted_columns(self, connection: Any, relation: str) -> list[str]:
        """The columns the connected role may SELECT, in table order.

        DuckDB has no column grants: every column. Postgres answers with
        has_column_privilege, which follows role membership (materialized
        views are not in information_schema, hence pg_attribute). Redshift
        documents no has_column_privilege, so there each column is probed
        with a `limit 0` select: the engine itself says what is readable.
        """
        _quote(relation)
        if self.target == "local":
            sql = (
                "select column_name from information_schema.columns "
                f"where table_schema = '{MART_SCHEMA}' and table_name = '{relation}' "
                "order by ordinal_position"
            )
            return [str(name) for name in self._fetch(connection, sql)["column_name"]]
        if self.privilege_check == "probe":
            return self._probed_columns(connection, relation)
        sql = self._catalog_columns_sql(relation) + (
            " and has_column_privilege("
            "quote_ident(n.nspname) || '.' || quote_ident(c.relname), "
            "a.attname, 'select') order by a.attnum"
        )
        return [str(name) for name in self._fetch(connection, sql)["column_name"]]

    @staticmethod
    def _catalog_columns_sql(relation: str) -> str:
        return (
            "select a.attname as column_name from pg_catalog.pg_attribute a "
            "join pg_catalog.pg_class c on c.oid = a.attrelid "
            "join pg_catalog.pg_namespace n on n.oid = c.relnamespace "
            f"where n.nspname = '{MART_SCHEMA}' and c.relname = '{relation}' "
            "and a.attnum > 0 and not a.attisdropped"
        )

    def _probed_columns(self, connection: Any, relation: str) -> list[str]:
        import psycopg2

        listed = self._fetch(
            connection, self._catalog_columns_sql(relation) + " order by a.attnum"
        )
        permitted = []
        for name in listed["column_name"]:
            try:
                self._fetch(
                    connection,
                    f"select {_quote(str(name))} from {MART_SCHEMA}.{_quote(relation)} "
                    "limit 0",
                )
            except psycopg2.errors.InsufficientPrivilege:
                continue
            permitted.append(str(name))
        return permitted

    def read(
        self,
        relation: str,
        columns: Sequence[str],
        *,
        date_column: str | None = None,
        start: dt.date | None = None,
        end: dt.date | None = None,
        order_by: Sequence[str] = (),
    ) -> MartRead:
        """Select the permitted subset of `columns` from mart.<relation>.

        A missing relation gives `missing=True` and an empty frame; a column
        the role may not read is left out and listed in `hidden`.
        """
        with self._connect() as connection:
            if not self._relation_exists(connection, relation):
                return MartRead(relation, pd.DataFrame(columns=list(columns)), True)
            permitted = set(self._permitted_columns(connection, relation))
            shown = [c for c in columns if c in permitted]
            hidden = tuple(c for c in columns if c not in permitted)
            if not shown:
                return MartRead(relation, pd.DataFrame(), hidden=hidden)
            sql = self._select_sql(relation, shown, permitted, date_column, start, end)
            order = [c for c in order_by if c in permitted]
            if order:
                sql += " order by " + ", ".join(_quote(c) for c in order)
            frame = self._fetch(connection, sql)
        return MartRead(relation, frame, hidden=hidden)

    @staticmethod
    def _select_sql(
        relation: str,
        shown: Sequence[str],
        permitted: set[str],
        date_column: str | None,
        start: dt.date | None,
        end: dt.date | None,
    ) -> str:
        select = ", ".join(_quote(c) for c in shown)
        sql = f"select {select} from {MART_SCHEMA}.{_quote(relation)}"
        filters = []
        if date_column and date_column in permitted:
            if start is not None:
                filters.append(f"{_quote(date_column)} >= {_date_literal(start)}")
            if end is not None:
                filters.append(f"{_quote(date_column)} <= {_date_literal(end)}")
        if filters:
            sql += " where " + " and ".join(filters)
        return sql
