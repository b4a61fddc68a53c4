"""Governance: column-level grants on a real Postgres, the classification
check that fails the build, and the committed-secrets check."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess

import psycopg2
import pytest
from harness import (
    BIN,
    PROFILES_DIR,
    ROOT,
    dbt,
    ensure_roles,
    postgres_admin_settings,
)
from pipeline import pipeline, small_config
from project import manifest

from synapse_devtools import repo_checks
from synapse_landing import generator

ROLES = ("reporter", "analyst", "pii_reader")


def _role_map() -> dict[str, dict]:
    import yaml

    project = yaml.safe_load((ROOT / "dbt_project.yml").read_text())
    return project["vars"]["column_access_roles"]


class AsRole:
    """Runs statements under SET ROLE, reporting whether each is permitted."""

    def __init__(self, database: str) -> None:
        self.connection = psycopg2.connect(
            **{**postgres_admin_settings(), "dbname": database}
        )
        self.connection.autocommit = True

    def can_select(self, role: str, sql: str) -> bool:
        with self.connection.cursor() as cursor:
            cursor.execute(f"set role {role}")
            try:
                cursor.execute(sql)
                return True
            except psycopg2.errors.InsufficientPrivilege:
                return False
            finally:
                cursor.execute("reset role")

    def close(self) -> None:
        self.connection.close()


def _relations() -> list[dict]:
    return [
        node
        for node in manifest()["nodes"].values()
        if node["resource_type"] in ("model", "seed", "snapshot")
        and node["package_name"] == "synapse"
        # Ephemeral models (the salt's) are inlined: no relation to grant.
        and node["config"]["materialized"] != "ephemeral"
    ]


def _check_grants(built) -> list[str]:
    roles = _role_map()
    checker = AsRole(built.database)
    problems = []
    try:
        for node in _relations():
            relation = f"{node['schema']}.{node['alias']}"
            for role, access in roles.items():
                visible = node["schema"] in access["schemas"]
                for column in node["columns"].values():
                    allowed = visible and (
                        column["meta"]["classification"] in access["classifications"]
                    )
                    sql = f'select "{column["name"]}" from {relation} limit 0'
                    if checker.can_select(role, sql) != allowed:
                        problems.append(
                            f"{role} {'cannot' if allowed else 'can'} read "
                            f"{relation}.{column['name']}"
                        )
    finally:
        checker.close()
    return problems


def _roles_reading_the_salt(built) -> list[str]:
    checker = AsRole(built.database)
    try:
        sql = "select salt from secrets.email_hash_salt limit 0"
        return [role for role in _role_map() if checker.can_select(role, sql)]
    finally:
        checker.close()


@pytest.fixture(scope="module")
def granted(request, tmp_path_factory):
    request.getfixturevalue("postgres_server")
    ensure_roles(ROLES)
    workdir = tmp_path_factory.mktemp("grants")
    end = dt.datetime(2026, 5, 31, 12, 0)
    dataset = generator.generate(small_config(seed=9, users=150, days=40, end=end))
    generator.write_jsonl(dataset, workdir / "landing")
    with pipeline("postgres", "grants", workdir) as built:
        built.land(workdir / "landing")
        built.dbt("build")
        yield built


def test_each_role_reads_exactly_its_columns(granted) -> None:
    assert _check_grants(granted) == []


def test_no_role_reads_the_email_hash_salt(granted) -> None:
    assert _role_map(), "the check needs roles to try"
    assert _roles_reading_the_salt(granted) == []


def test_confidential_email_hash_is_denied_beside_internal_columns(granted) -> None:
    dim = next(node for node in _relations() if node["name"] == "dim_users")
    internal = next(
        name
        for name, column in dim["columns"].items()
        if column["meta"]["classification"] == "internal"
    )
    assert dim["columns"]["email_hash"]["meta"]["classification"] == "confidential"
    checker = AsRole(granted.database)
    try:
        for role in ("reporter", "analyst"):
            assert not checker.can_select(role, "select email_hash from mart.dim_users")
        assert checker.can_select("analyst", f"select {internal} from mart.dim_users")
        assert not checker.can_select(
            "analyst", f"select {internal}, email_hash from mart.dim_users"
        )
        assert checker.can_select("pii_reader", "select email_hash from mart.dim_users")
    finally:
        checker.close()


def test_analyst_cannot_see_the_restricted_schema(granted) -> None:
    checker = AsRole(granted.database)
    try:
        for relation in (
            "restricted.stg_oltp__user_contacts",
            "restricted.stg_oltp__message_contents",
        ):
            assert not checker.can_select("analyst", f"select 1 from {relation}")
            assert checker.can_select("pii_reader", f"select * from {relation}")
    finally:
        checker.close()


def test_grants_survive_a_second_build(granted) -> None:
    granted.dbt("build", "--exclude", "resource_type:snapshot")
    assert _check_grants(granted) == []


# ---------- classification check ----------


def _project_copy(tmp_path):
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    copy = tmp_path / "project"
    for name in files:
        if not (ROOT / name).is_file():
            continue
        target = copy / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    return copy


def _run_operation(project, operation: str) -> subprocess.CompletedProcess[str]:
    env = {
        **{k: v for k, v in os.environ.items() if k != "DBT_PROJECT_DIR"},
        "DBT_PROFILES_DIR": str(PROFILES_DIR),
        "SYNAPSE_DUCKDB_PATH": ":memory:",
    }
    return subprocess.run(
        [
            str(BIN / "dbt"),
            "run-operation",
            operation,
            "--no-partial-parse",
            "--project-dir",
            str(project),
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
    )


def test_classification_check_passes_on_the_project() -> None:
    result = dbt(
        ["run-operation", "assert_columns_classified"],
        target="local",
        env={"SYNAPSE_DUCKDB_PATH": ":memory:"},
        run_name="classification",
    )
    assert "every column is described and classified" in result.stdout


def test_classification_check_fails_on_an_unclassified_column(tmp_path) -> None:
    project = _project_copy(tmp_path)
    folder = project / "models" / "staging" / "app"
    (folder / "stg_app__probe.sql").write_text("select 1 as probe_value\n")
    (folder / "_probe__models.yml").write_text(
        "version: 2\nmodels:\n  - name: stg_app__probe\n    description: probe\n"
        "    columns:\n      - name: probe_value\n        description: a value\n"
    )
    result = _run_operation(project, "assert_columns_classified")
    assert result.returncode != 0
    assert "stg_app__probe.probe_value: no classification" in result.stdout


# ---------- committed secrets ----------

FAKE_SECRETS = {
    "aws.txt": "key = " + "AKIA" + "Z" * 16,
    "url.yml": "dsn: postgres://etl:" + "hunter2hunter2" + "@db.internal:5432/x",
    "profile.yml": "password: " + "'S3cr3tValue!x'",
    "key.pem": "-----BEGIN " + "RSA PRIVATE KEY-----",
}


@pytest.mark.parametrize("name", sorted(FAKE_SECRETS))
def test_secret_check_flags_a_committed_secret(tmp_path, name) -> None:
    path = tmp_path / name
    path.write_text(FAKE_SECRETS[name] + "\n")
    assert repo_checks.run("secrets", [str(path)]) == 1


def test_secret_check_accepts_environment_references(tmp_path) -> None:
    path = tmp_path / "profile.yml"
    path.write_text(
        "password: \"{{ env_var('SYNAPSE_PG_PASSWORD', '') }}\"\nsslmode: verify-full\n"
    )
    assert repo_checks.run("secrets", [str(path)]) == 0


def test_no_secret_is_committed() -> None:
    files = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert repo_checks.run("secrets", [str(ROOT / name) for name in files]) == 0


def _salt_check_severity(tmp_path, target: str) -> str:
    """Severity of assert_email_hash_salt_is_set as `dbt parse` renders it
    for `target` (no connection needed, so it works for prod too)."""
    result = subprocess.run(
        [
            str(BIN / "dbt"),
            "parse",
            "--target",
            target,
            "--target-path",
            str(tmp_path / "target"),
            "--log-path",
            str(tmp_path / "logs"),
        ],
        cwd=ROOT,
        env={
            **os.environ,
            "DBT_PROFILES_DIR": str(PROFILES_DIR),
            "SYNAPSE_DUCKDB_PATH": ":memory:",
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    nodes = json.loads((tmp_path / "target" / "manifest.json").read_text())["nodes"]
    return nodes["test.synapse.assert_email_hash_salt_is_set"]["config"]["severity"]


def test_empty_salt_is_an_error_on_the_production_target(tmp_path) -> None:
    assert _salt_check_severity(tmp_path, "prod").lower() == "error"


def test_empty_salt_is_a_warning_locally(tmp_path) -> None:
    assert _salt_check_severity(tmp_path, "local").lower() == "warn"


def test_no_salt_is_rendered_into_the_hash() -> None:
    """email_hash reads the secret table; dbt never reads the salt itself."""
    macros = (ROOT / "macros" / "governance" / "masking.sql").read_text()
    assert "SYNAPSE_EMAIL_HASH_SALT" not in macros
    assert "ref('stg_secrets__email_hash_salt')" in macros
