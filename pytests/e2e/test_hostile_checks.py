"""Hostile values at every entry point that is not a dbt build (issue 15):
the loader's file paths and schema, `.ci/run`'s superuser SQL, vars and
role names rendered by dbt, and the secret scan. No full build: each check
is a load, a psql run or a single `dbt compile`.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from harness import ROOT, dbt, postgres_admin_settings, work_dir
from pipeline import pipeline

from synapse_devtools import repo_checks
from synapse_landing import loader
from synapse_landing.warehouse import (
    DuckDBWarehouse,
    PostgresWarehouse,
    drop_postgres_database,
)

EVENT = {
    "event_id": "e_1",
    "payload": '{"event_type": "page_view"}',
    "received_at": "2026-05-31 10:00:00.000000",
    "loaded_at": "2026-05-31 10:05:00.000000",
}


def _zone(root: Path, file_name: str, rows: list[dict]) -> Path:
    folder = root / "app_events" / "date=2026-05-31"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / file_name).write_text("".join(json.dumps(r) + "\n" for r in rows))
    return root


# ---------- loader: file names, paths and schema ----------

CRAFTED_NAME = "x.jsonl'], format='auto'); create table raw.pwned as select 1; --.jsonl"


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_loader_file_names_and_paths_never_reach_sql(engine, request, tmp_path) -> None:
    if engine == "postgres":
        request.getfixturevalue("postgres_server")
    root = tmp_path / "it's a raw zone"
    _zone(root, CRAFTED_NAME, [EVENT])
    _zone(root, "part-[0]*.jsonl", [{**EVENT, "event_id": "e_2"}])
    with pipeline(engine, "hostile-paths", tmp_path) as warehouse:
        landed = warehouse.land(root)
        assert landed["app_events"] == 2
        tables = {
            name
            for (name,) in warehouse.query(
                "select table_name from information_schema.tables "
                "where table_schema = 'raw'"
            )
        }
        assert "pwned" not in tables
        assert sorted(
            r[0] for r in warehouse.query("select event_id from raw.app_events")
        ) == [
            "e_1",
            "e_2",
        ]


def test_loader_refuses_a_schema_that_is_not_an_identifier(tmp_path) -> None:
    with pytest.raises(ValueError, match="not a plain lowercase identifier"):
        DuckDBWarehouse(path=str(tmp_path / "w.duckdb"), schema="raw; drop table x")
    with pytest.raises(ValueError, match="not a plain lowercase identifier"):
        PostgresWarehouse(schema='raw"; drop table x; --')


def test_a_bad_line_is_a_clear_per_line_error_and_the_rest_lands(tmp_path) -> None:
    rows = [
        EVENT,
        {**EVENT, "event_id": "e_big", "payload": "x" * 70_000},
        {**EVENT, "event_id": "e_nul", "payload": "a\x00b"},
        {**EVENT, "event_id": "e_3"},
    ]
    root = _zone(tmp_path / "zone", "part-00000.jsonl", rows)
    folder = root / "app_events" / "date=2026-05-31"
    with (folder / "part-00000.jsonl").open("a") as handle:
        handle.write("{not json\n")
    warehouse = DuckDBWarehouse(path=str(tmp_path / "w.duckdb"))
    try:
        with pytest.raises(loader.LandingError) as error:
            loader.land(root, warehouse)
        message = str(error.value)
        assert "3 lines could not land (everything else did)" in message
        assert "part-00000.jsonl:2: app_events: payload is 70,000 bytes" in message
        assert (
            "part-00000.jsonl:3: app_events: payload holds a NUL character" in message
        )
        assert "part-00000.jsonl:5: app_events: not a JSON line" in message
        assert sorted(
            r[0] for r in warehouse.query("select event_id from raw.app_events")
        ) == [
            "e_1",
            "e_3",
        ]
    finally:
        warehouse.close()


# ---------- .ci/run: the superuser SQL ----------


def _ci_role_sql() -> str:
    text = (ROOT / ".ci" / "run").read_text()
    match = re.search(r"<<'SQL'\n(.*?)\nSQL\n", text, re.S)
    assert match, ".ci/run no longer creates the role from a quoted heredoc"
    assert "${SYNAPSE_PG_PASSWORD}" not in match.group(1)
    return match.group(1)


def test_ci_run_passes_the_password_as_a_psql_variable(postgres_server) -> None:
    """The role-creation SQL of .ci/run, run as it runs there (psql variables),
    with a password and names built to break out of quotes."""
    if not shutil.which("psql"):
        pytest.fail("psql is needed to run .ci/run's SQL")
    import psycopg2

    suffix = uuid.uuid4().hex[:8]
    role = f"ci_probe_{suffix}"
    database = f"ci_probe_db_{suffix}"
    password = (
        "p'w\"; create table ci_pwned_" + suffix + " (x int); --"
    )  # pragma: allowlist secret
    settings = postgres_admin_settings()
    env = {
        "PGHOST": settings["host"],
        "PGPORT": settings["port"],
        "PGUSER": settings["user"],
        "PGPASSWORD": settings["password"],
        "PGDATABASE": settings["dbname"],
        "PATH": "/usr/bin:/bin",
    }
    # As a non-superuser the test role must be a member of the new role to
    # make it own a database (.ci/run runs as the superuser).
    admin = psycopg2.connect(**settings)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"create role {role} login")
        cursor.execute(f"grant {role} to current_user")
    admin.close()
    command = ["psql", "-v", "ON_ERROR_STOP=1", "-q"]
    for name, value in (("user", role), ("pw", password), ("db", database)):
        command += ["-v", f"{name}={value}"]
    try:
        result = subprocess.run(
            command, input=_ci_role_sql(), env=env, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        login = {**settings, "user": role, "dbname": database}
        login["password"] = password  # pragma: allowlist secret
        probe = psycopg2.connect(**login)
        with probe.cursor() as cursor:
            cursor.execute("select to_regclass('ci_pwned_" + suffix + "')")
            assert cursor.fetchone()[0] is None
        probe.close()
    finally:
        drop_postgres_database(database, settings)
        admin = psycopg2.connect(**settings)
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f"drop role if exists {role}")
        admin.close()


# ---------- vars and role names rendered by dbt ----------


def test_vars_are_rendered_as_escaped_literals(tmp_path) -> None:
    hostile = "x'); drop table raw.app_events; --"
    vars_ = {"event_types": ["page_view", hostile]}
    result = dbt(
        [
            "compile",
            "--select",
            "stg_app__event_deliveries",
            "--vars",
            json.dumps(vars_),
        ],
        target="local",
        env={"SYNAPSE_DUCKDB_PATH": str(tmp_path / "w.duckdb")},
        run_name="hostile-vars",
    )
    assert result.returncode == 0
    compiled = next(
        (work_dir("hostile-vars") / "compiled").rglob("stg_app__event_deliveries.sql")
    ).read_text()
    assert "'x''); drop table raw.app_events; --'" in compiled
    bad = dbt(
        [
            "compile",
            "--select",
            "stg_app__event_deliveries",
            "--vars",
            json.dumps({"plausible_since": "2000-01-01' or 1=1 --"}),
        ],
        target="local",
        env={"SYNAPSE_DUCKDB_PATH": str(tmp_path / "w.duckdb")},
        run_name="hostile-vars",
        check=False,
    )
    assert bad.returncode != 0
    assert "var plausible_since must be a date YYYY-MM-DD" in bad.stdout
    widths = {"landing_text_widths": {"app_events": {"user_id": "64)) --"}}}
    bad_width = dbt(
        [
            "compile",
            "--select",
            "stg_app__event_deliveries",
            "--vars",
            json.dumps(widths),
        ],
        target="local",
        env={"SYNAPSE_DUCKDB_PATH": str(tmp_path / "w.duckdb")},
        run_name="hostile-vars",
        check=False,
    )
    assert bad_width.returncode != 0
    assert "must be a width from 1 to 65535 bytes" in bad_width.stdout


def test_a_hostile_role_name_stops_the_grant_macro(tmp_path) -> None:
    roles = {
        'reporter"; drop table mart.dim_users; --': {
            "classifications": ["public"],
            "schemas": ["mart"],
        }
    }
    result = dbt(
        [
            "compile",
            "--select",
            "column_grants",
            "--vars",
            json.dumps({"column_access_roles": roles}),
        ],
        target="local",
        env={"SYNAPSE_DUCKDB_PATH": str(tmp_path / "w.duckdb")},
        run_name="hostile-roles",
        check=False,
    )
    assert result.returncode != 0
    assert "column_access_roles: role" in result.stdout
    assert "is not a plain lowercase SQL identifier" in result.stdout


# ---------- the secret scan ----------

SECRET_FIXTURES = [
    "export SYNAPSE_PG_PASSWORD=hunter2hunter2",  # pragma: allowlist secret
    "export SYNAPSE_PG_PASSWORD='hunter2hunter2'",  # pragma: allowlist secret
    'SYNAPSE_EMAIL_HASH_SALT="n0t-so-secret-salt"',  # pragma: allowlist secret
    "SYNAPSE_EMAIL_HASH_SALT=n0tsosecretsalt",  # pragma: allowlist secret
    "PGPASSWORD='s3cr3t-pass' psql -h db",  # pragma: allowlist secret
    "db_password = 'correct-horse-battery'",  # pragma: allowlist secret
    "DB_PASSWORD: correct-horse-battery",  # pragma: allowlist secret
    '"password": "correct-horse-battery"',  # pragma: allowlist secret
    "  email_hash_salt: some-literal-salt-value",  # pragma: allowlist secret
    "docker run -e POSTGRES_PASSWORD=horse-battery pg",  # pragma: allowlist secret
    "psql --password=correct-horse-battery",  # pragma: allowlist secret
]
CLEAN_FIXTURES = [
    "export SYNAPSE_PG_PASSWORD=\"$(python3 -c 'import secrets')\"",
    "SYNAPSE_PG_PASSWORD=${SYNAPSE_PG_PASSWORD:-}",
    "password: \"{{ env_var('SYNAPSE_PG_PASSWORD') }}\"",
    "export SYNAPSE_PG_PASSWORD='…'",
    "salt = os.environ['SYNAPSE_EMAIL_HASH_SALT']",
    '"SYNAPSE_REPORTER_PASSWORD": generated,',
]


@pytest.mark.parametrize("line", SECRET_FIXTURES)
def test_secret_scan_flags_project_and_shell_forms(line, tmp_path) -> None:
    path = tmp_path / "leak.env"
    path.write_text(line + "\n")
    assert repo_checks.find_secrets(path, line), line


@pytest.mark.parametrize("line", CLEAN_FIXTURES)
def test_secret_scan_accepts_references_to_the_environment(line, tmp_path) -> None:
    path = tmp_path / "clean.env"
    assert repo_checks.find_secrets(path, line) == [], line
