"""The integration workflow's landing step (synapse_devtools.redshift.land)
copies every raw row, value for value. It speaks plain PostgreSQL protocol
with multi-row INSERTs, so Postgres proves it offline."""

from __future__ import annotations

from pathlib import Path

import duckdb
import psycopg2
import pytest
from harness import land_cli

from synapse_devtools.redshift.land import copy_raw_tables, store_salt
from synapse_landing import contract
from synapse_landing.warehouse import postgres_settings


@pytest.mark.postgres
def test_copy_raw_tables_copies_every_row(
    postgres_database: str, tmp_path: Path
) -> None:
    warehouse = tmp_path / "land.duckdb"
    land_cli(
        [
            "generate",
            "--users",
            "40",
            "--days",
            "8",
            "--out",
            str(tmp_path / "landing"),
            "--load",
            "duckdb",
            "--replace",
        ],
        env={"SYNAPSE_DUCKDB_PATH": str(warehouse)},
    )
    connection = psycopg2.connect(**postgres_settings())
    try:
        copied = copy_raw_tables(warehouse, connection)
        source = duckdb.connect(str(warehouse), read_only=True)
        for table in contract.RAW_TABLES:
            columns = ", ".join(f'"{c}"' for c in contract.column_names(table))
            expected = sorted(
                source.execute(f"select {columns} from raw.{table}").fetchall(),
                key=repr,
            )
            with connection.cursor() as cursor:
                cursor.execute(f"select {columns} from raw.{table}")
                landed = sorted(cursor.fetchall(), key=repr)
            assert copied[table] == len(expected) > 0, table
            assert landed == expected, table
        source.close()
    finally:
        connection.close()


@pytest.mark.postgres
def test_store_salt_replaces_the_one_row(postgres_database: str) -> None:
    connection = psycopg2.connect(**postgres_settings())
    try:
        store_salt(connection, "first")
        store_salt(connection, "it's {{ second }}")
        with connection.cursor() as cursor:
            cursor.execute("select salt from secrets.email_hash_salt")
            assert cursor.fetchall() == [("it's {{ second }}",)]
        with pytest.raises(ValueError):
            store_salt(connection, "")
    finally:
        connection.close()
