"""Copy the raw tables of a landed DuckDB warehouse into Redshift.

The integration workflow needs raw data on Redshift, and the project's
Postgres loader streams `COPY ... FROM STDIN`, which Redshift does not have
(it copies from S3). For the small CI dataset, batched multi-row INSERTs over
the PostgreSQL protocol are enough and need no bucket:

    synapse-land generate --users 200 --days 30 --load duckdb --replace
    python -m synapse_devtools.redshift.land --duckdb warehouse/synapse.duckdb

Connection settings come from SYNAPSE_REDSHIFT_HOST, _PORT, _DATABASE, _USER
and _PASSWORD (the workflow gets temporary ones from
`aws redshift-serverless get-credentials`). The tables are created with the
landing contract's types, so the same code runs against Postgres, which is
how it is tested.

With `--salt-from-env`, it also stores SYNAPSE_EMAIL_HASH_SALT in the one-row
table secrets.email_hash_salt that dim_users.email_hash reads, as the deploy
job does in production: over redshift_connector, which binds the value on the
server ($1), so the salt is in no query text (and no STL/SYS query log).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from synapse_landing import contract

BATCH_ROWS = 500


def copy_raw_tables(
    duckdb_path: Path, connection: Any, schema: str = "raw", replace: bool = True
) -> dict[str, int]:
    """Create the contract's raw tables in `schema` and copy every row;
    returns rows copied per table."""
    import duckdb
    from psycopg2.extras import execute_values

    source = duckdb.connect(str(duckdb_path), read_only=True)
    copied: dict[str, int] = {}
    with connection.cursor() as cursor:
        cursor.execute(f"create schema if not exists {schema}")
        for table in contract.RAW_TABLES:
            if replace:
                cursor.execute(f"drop table if exists {schema}.{table}")
            cursor.execute(contract.create_table_sql(table, schema))
            names = contract.column_names(table)
            columns = ", ".join(f'"{name}"' for name in names)
            rows = source.execute(f"select {columns} from raw.{table}").fetchall()
            for start in range(0, len(rows), BATCH_ROWS):
                execute_values(
                    cursor,
                    f"insert into {schema}.{table} ({columns}) values %s",
                    rows[start : start + BATCH_ROWS],
                    page_size=BATCH_ROWS,
                )
            copied[table] = len(rows)
    connection.commit()
    source.close()
    return copied


SALT_TABLE = "secrets.email_hash_salt"


def store_salt(connection: Any, salt: str) -> None:
    """Replace the salt table's row; `connection` is DB-API with the
    `format` paramstyle (redshift_connector; psycopg2 in the tests)."""
    if not salt:
        raise ValueError("refusing to store an empty email-hash salt")
    cursor = connection.cursor()
    try:
        cursor.execute("create schema if not exists secrets")
        cursor.execute(f"create table if not exists {SALT_TABLE} (salt varchar(256))")
        cursor.execute(f"delete from {SALT_TABLE}")
        cursor.execute(f"insert into {SALT_TABLE} (salt) values (%s)", (salt,))
    finally:
        cursor.close()
    connection.commit()


def _connect_bound() -> Any:
    """redshift_connector binds parameters server-side, unlike psycopg2."""
    import redshift_connector

    env = os.environ
    return redshift_connector.connect(
        host=env["SYNAPSE_REDSHIFT_HOST"],
        port=int(env.get("SYNAPSE_REDSHIFT_PORT", "5439")),
        database=env["SYNAPSE_REDSHIFT_DATABASE"],
        user=env["SYNAPSE_REDSHIFT_USER"],
        password=env["SYNAPSE_REDSHIFT_PASSWORD"],
        ssl=True,
    )


def _connect() -> Any:
    import psycopg2

    env = os.environ
    return psycopg2.connect(
        host=env["SYNAPSE_REDSHIFT_HOST"],
        port=int(env.get("SYNAPSE_REDSHIFT_PORT", "5439")),
        dbname=env["SYNAPSE_REDSHIFT_DATABASE"],
        user=env["SYNAPSE_REDSHIFT_USER"],
        password=env["SYNAPSE_REDSHIFT_PASSWORD"],
        sslmode="require",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duckdb", type=Path, required=True)
    parser.add_argument("--schema", default="raw")
    parser.add_argument(
        "--salt-from-env",
        action="store_true",
        help="also store $SYNAPSE_EMAIL_HASH_SALT in secrets.email_hash_salt",
    )
    args = parser.parse_args(argv)
    connection = _connect()
    try:
        copied = copy_raw_tables(args.duckdb, connection, args.schema)
    finally:
        connection.close()
    for table, count in copied.items():
        print(f"{args.schema}.{table}: {count} rows")
    if args.salt_from_env:
        connection = _connect_bound()
        try:
            store_salt(connection, os.environ.get("SYNAPSE_EMAIL_HASH_SALT", ""))
        finally:
            connection.close()
        print(f"{SALT_TABLE}: salt stored")
    return 0


if __name__ == "__main__":
    sys.exit(main())
