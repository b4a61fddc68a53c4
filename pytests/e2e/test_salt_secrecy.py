"""The email-hash salt never reaches disk outside the warehouse.

dbt reads the salt from the secret table secrets.email_hash_salt (written by
`synapse-land put-salt` with the value as data, not SQL text), so compiled and
run SQL, manifest.json, run_results.json, catalog.json, the static docs page
and dbt.log hold only the table's name. On DuckDB and Postgres: build
dim_users with a fresh random salt, grep every file dbt wrote, and check the
hashes against sha256(salt || lower(email)) computed here from the
generator's truth. An empty secret table is a counted warning locally and an
error on a production target.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import metrics_oracle
import pytest
from harness import work_dir
from pipeline import Pipeline, pipeline, small_config

from synapse_landing import generator

pytestmark = pytest.mark.slow

END = dt.datetime(2026, 6, 30, 12, 0)
SALT_TEST = "assert_email_hash_salt_is_set"


def _fresh_salt() -> str:
    """Unique per run, with a quote and Jinja so no quoting layer can hide it."""
    return f"salt-{secrets.token_hex(12)}-'{{{{ x }}}}"


@pytest.fixture(scope="module")
def dataset() -> generator.Dataset:
    return generator.generate(small_config(seed=17, users=60, days=20, end=END))


@pytest.fixture(scope="module")
def landing(dataset, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("salt-landing")
    generator.write_jsonl(dataset, root)
    return root


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def built(request, landing, tmp_path_factory) -> Iterator[tuple[Pipeline, str]]:
    """dim_users and its parents built once per engine, plus the docs site."""
    if request.param == "postgres":
        request.getfixturevalue("postgres_server")
    salt = _fresh_salt()
    workdir = tmp_path_factory.mktemp(f"salt-{request.param}")
    with pipeline(request.param, "salt", workdir) as run:
        shutil.rmtree(_dbt_dir(run), ignore_errors=True)
        run.env["SYNAPSE_EMAIL_HASH_SALT"] = salt
        run.land(landing)
        del run.env["SYNAPSE_EMAIL_HASH_SALT"]  # dbt itself never sees it
        selection = ["--select", "+dim_users", "--indirect-selection", "buildable"]
        run.dbt("build", *selection)
        run.dbt("docs", "generate", "--static", *selection)
        yield run, salt


def _dbt_dir(run: Pipeline) -> Path:
    """harness.dbt's --target-path; --log-path is its logs/ subfolder."""
    return work_dir(run.run_name)


def _leaks(directory: Path, secret: str) -> list[str]:
    """Files holding the salt's random core: whatever escaping a writer
    applies to the quote and the braces (SQL doubles the quote, JSON and
    logs escape it), the hex token survives it."""
    needle = re.search(r"salt-[0-9a-f]{24}", secret).group(0).encode("utf-8")
    return sorted(
        str(path.relative_to(directory))
        for path in directory.rglob("*")
        if path.is_file() and needle in path.read_bytes()
    )


def test_the_salt_is_in_no_file_dbt_wrote(built) -> None:
    run, salt = built
    directory = _dbt_dir(run)
    written = {path.name for path in directory.rglob("*") if path.is_file()}
    expected = {
        "manifest.json",
        "run_results.json",
        "catalog.json",
        "static_index.html",
        "dbt.log",
        "dim_users.sql",
    }
    assert expected <= written, f"dbt did not write {expected - written}"
    assert _leaks(directory, salt) == []
    # The scan is real: the table name of the secret is there instead.
    compiled = next((directory / "compiled").rglob("dim_users.sql")).read_text()
    assert "email_hash_salt" in compiled


def test_email_hash_is_the_salted_sha256_of_the_email(built, dataset) -> None:
    run, salt = built
    truth = metrics_oracle.Truth.from_dataset(dataset, salt=salt)
    expected = {
        user["user_id"]: (
            None
            if user["is_deleted"]
            else hashlib.sha256((salt + user["email"].lower()).encode()).hexdigest()
        )
        for user in truth.users
    }
    actual = {
        row["user_id"]: row["email_hash"]
        for row in run.rows("mart.dim_users", ["user_id", "email_hash"])
    }
    assert actual == expected
    assert any(actual.values())


def _salt_test(run: Pipeline, *extra: str) -> tuple[int, dict[str, Any]]:
    result = run.dbt("test", "--select", SALT_TEST, *extra, check=False)
    results = json.loads((_dbt_dir(run) / "run_results.json").read_text())
    (only,) = [r for r in results["results"] if r["unique_id"].endswith(SALT_TEST)]
    return result.returncode, only


def test_empty_salt_warns_locally_and_fails_on_production(built) -> None:
    run, salt = built
    code, result = _salt_test(run)
    assert (code, result["status"]) == (0, "pass")
    run.put_salt("")
    try:
        code, result = _salt_test(run)
        assert (code, result["status"]) == (0, "warn")
        # The same check with this target counted as production.
        production = json.dumps({"production_targets": [run.target]})
        code, result = _salt_test(run, "--vars", production)
        assert (code, result["status"]) == (1, "fail")
    finally:
        run.put_salt(salt)
