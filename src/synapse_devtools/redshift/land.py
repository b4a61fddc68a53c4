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
    args = parser.parse_args(argv)
    connection = _connect()
    try:
        copied = copy_raw_tables(args.duckdb, connection, args.schema)
    finally:
        connection.close()
    for table, count in copied.items():
        print(f"{args.schema}.{table}: {count} rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
