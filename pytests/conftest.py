"""Shared fixtures. Postgres tests skip locally when no server is reachable,
but under CI=true an unreachable server is a failure, never a skip."""

from __future__ import annotations

import os

import pytest
from harness import postgres_reachable, temporary_postgres_database


@pytest.fixture(scope="session")
def postgres_server() -> None:
    ok, reason = postgres_reachable()
    if ok:
        return
    message = (
        "PostgreSQL is not reachable with the SYNAPSE_PG_* settings "
        f"({reason}); start it (see README: 'Targets and credentials') or run .ci/run"
    )
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"CI=true requires Postgres: {message}")
    pytest.skip(message)


@pytest.fixture
def postgres_database(postgres_server: None, monkeypatch: pytest.MonkeyPatch):
    """A throwaway database; SYNAPSE_PG_DATABASE points at it for the test."""
    with temporary_postgres_database() as name:
        monkeypatch.setenv("SYNAPSE_PG_DATABASE", name)
        yield name
