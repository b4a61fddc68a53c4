"""The scratch databases of tests and `make bench` are dropped even while a
session we may not terminate is still in them.

An autovacuum worker on a freshly loaded database is such a session: it
belongs to no role, so ``drop database ... with (force)`` is refused. A CI
run once failed eight tests that way. Here a login role the test role is not
a member of plays the worker's part.
"""

from __future__ import annotations

import threading
import uuid

import pytest
from harness import postgres_admin_settings, roles_lock

from synapse_landing.warehouse import drop_postgres_database


@pytest.fixture
def foreign_session(postgres_server: None):
    """A database with an open session of another, unrelated role."""
    import psycopg2

    suffix = uuid.uuid4().hex[:8]
    role, database = f"scratch_probe_{suffix}", f"scratch_probe_db_{suffix}"
    password = uuid.uuid4().hex
    settings = postgres_admin_settings()
    admin = psycopg2.connect(**settings)
    admin.autocommit = True
    with roles_lock(), admin.cursor() as cursor:
        cursor.execute(f"create role {role} login password %s", (password,))
        cursor.execute(f"create database {database}")
        cursor.execute(f"grant connect on database {database} to {role}")
    session = psycopg2.connect(
        **{**settings, "user": role, "password": password, "dbname": database}
    )
    try:
        yield database, session
    finally:
        session.close()
        drop_postgres_database(database, settings)
        with roles_lock(), admin.cursor() as cursor:
            cursor.execute(f"drop role if exists {role}")
        admin.close()


def _database_exists(name: str) -> bool:
    import psycopg2

    connection = psycopg2.connect(**postgres_admin_settings())
    try:
        with connection.cursor() as cursor:
            cursor.execute("select 1 from pg_database where datname = %s", (name,))
            return cursor.fetchone() is not None
    finally:
        connection.close()


def test_a_plain_forced_drop_is_refused(foreign_session) -> None:
    """The failure the helper exists for, shown on the real engine."""
    import psycopg2

    database, _ = foreign_session
    admin = psycopg2.connect(**postgres_admin_settings())
    admin.autocommit = True
    try:
        with (
            pytest.raises(psycopg2.errors.InsufficientPrivilege),
            admin.cursor() as cursor,
        ):
            cursor.execute(f"drop database {database} with (force)")
    finally:
        admin.close()


def test_the_drop_waits_for_the_session_to_end(foreign_session) -> None:
    database, session = foreign_session
    threading.Timer(1.5, session.close).start()
    drop_postgres_database(database, postgres_admin_settings(), wait_seconds=30)
    assert not _database_exists(database)


def test_a_session_that_never_ends_is_named_in_the_error(foreign_session) -> None:
    database, _ = foreign_session
    with pytest.raises(RuntimeError, match=r"could not be dropped.*scratch_probe_"):
        drop_postgres_database(database, postgres_admin_settings(), wait_seconds=1)
    assert _database_exists(database)


def test_a_test_database_is_dropped_while_the_settings_point_at_it(
    postgres_server: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tests point SYNAPSE_PG_DATABASE at their scratch database; the drop
    must still connect to another one (four CI errors came from this)."""
    from harness import temporary_postgres_database

    with temporary_postgres_database("scratch_probe") as name:
        monkeypatch.setenv("SYNAPSE_PG_DATABASE", name)
    monkeypatch.undo()
    assert not _database_exists(name)


def test_dropping_the_database_one_is_connected_to_is_refused() -> None:
    settings = {**postgres_admin_settings(), "dbname": "scratch_probe_self"}
    with pytest.raises(ValueError, match="another database"):
        drop_postgres_database("scratch_probe_self", settings)
