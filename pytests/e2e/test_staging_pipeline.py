"""End to end on DuckDB and Postgres: generate, land, `dbt build`, then check
the staged models against the generator's ground truth and against the
independent oracle (pytests/support/oracle.py)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter

import oracle
import pytest
from pipeline import pipeline, small_config
from project import manifest

from synapse_landing import generator

NON_RESTRICTED_SCHEMAS = ("staged", "intermediate", "mart", "reference", "snapshots")


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def built(request, tmp_path_factory):
    if request.param == "postgres":
        request.getfixturevalue("postgres_server")
    workdir = tmp_path_factory.mktemp(f"staging-{request.param}")
    # Ends a few minutes ago, so source freshness passes as it would in production.
    end = dt.datetime.now(dt.UTC).replace(tzinfo=None, second=0, microsecond=0)
    dataset = generator.generate(small_config(end=end))
    root = workdir / "landing"
    generator.write_jsonl(dataset, root)
    with pipeline(request.param, "staging", workdir) as built:
        built.land(root)
        built.dbt("build")
        built.dataset = dataset
        yield built


def _raw(built, table: str) -> list[dict]:
    return built.rows(f"raw.{table}")


def test_event_quarantine_counts_equal_ground_truth(built) -> None:
    truth = built.dataset.truth["events"]
    found = dict(
        built.query(
            "select quarantine_reason, count(*) from staged.stg_app__events_quarantine"
            " group by quarantine_reason"
        )
    )
    assert found == {k: v for k, v in truth["quarantined"].items() if v}
    assert all(truth["quarantined"].values()), "every reason should be exercised"
    kept = built.query("select count(*) from staged.stg_app__events")[0][0]
    duplicates = built.query("select count(*) from staged.stg_app__event_duplicates")
    assert kept == truth["valid_kept"]
    assert duplicates[0][0] == truth["duplicates"]


def test_kept_events_equal_the_oracle(built) -> None:
    outcome = oracle.classify_events(_raw(built, "app_events"))
    staged = {
        row["event_id"]: row
        for row in built.rows(
            "staged.stg_app__events",
            [
                "event_id",
                "user_id",
                "event_type",
                "occurred_at",
                "received_at",
                "loaded_at",
                "session_id",
                "feature",
            ],
        )
    }
    assert set(staged) == set(outcome.kept)
    mismatches = []
    for event_id, expected in outcome.kept.items():
        row = staged[event_id]
        got = (row["received_at"], row["loaded_at"], row["occurred_at"])
        want = (expected["received_at"], expected["loaded_at"], expected["occurred_at"])
        if got != want or row["user_id"] != expected["parsed"]["user_id"]:
            mismatches.append((event_id, got, want))
    assert mismatches == []


def test_cdc_counts_equal_ground_truth(built) -> None:
    truth = built.dataset.truth
    for table, key, model in (
        ("users_cdc", "user_id", "stg_oltp__user_changes"),
        ("messages_cdc", "message_id", "stg_oltp__message_changes"),
    ):
        found = dict(
            built.query(
                f"select quarantine_reason, count(*) from restricted.stg_oltp__{table}"
                "_quarantine group by quarantine_reason"
            )
        )
        expected = {k: v for k, v in truth[table]["quarantined"].items() if v}
        assert found == expected, table
        valid, distinct = built.query(
            f"select count(*), count(distinct {key} || '@' || "
            f"cast(source_lsn as varchar(30))) from staged.{model} where is_valid"
        )[0]
        assert valid - distinct == truth[table]["repeated_rows"], table


def test_current_state_equals_the_oracle(built) -> None:
    users = oracle.resolve_cdc(_raw(built, "users_cdc"), "user_id")
    staged = {
        row["user_id"]: row
        for row in built.rows(
            "staged.stg_oltp__users", ["user_id", "plan", "country", "is_deleted"]
        )
    }
    assert set(staged) == set(users.current)
    for user_id, expected in users.current.items():
        row = staged[user_id]
        assert row["is_deleted"] == expected["is_deleted"], user_id
        assert (row["plan"], row["country"]) == (
            expected.get("plan"),
            expected.get("country"),
        ), user_id
    assert users.deleted, "the dataset should erase some users"
    key_only = built.dataset.truth["users_cdc"]["key_only_deletes"]
    assert key_only > 0
    # Key-only deletes keep the attributes of the image before them.
    erased = [staged[user_id] for user_id in users.deleted]
    assert all(row["plan"] is not None for row in erased)


def test_billing_counts_equal_ground_truth(built) -> None:
    truth = built.dataset.truth["billing_subscriptions"]
    found = dict(
        built.query(
            "select quarantine_reason, count(*) from "
            "staged.stg_billing__subscriptions_quarantine group by quarantine_reason"
        )
    )
    assert found == {k: v for k, v in truth["quarantined"].items() if v}
    current = built.query("select count(*) from staged.stg_billing__subscriptions")
    assert current[0][0] == truth["subscriptions"]


def _personal_values(built) -> dict[str, set[str]]:
    """Every email, name, phone and message text in raw, from the raw images."""
    values: dict[str, set[str]] = {"email": set(), "name": set(), "phone": set()}
    for row in _raw(built, "users_cdc"):
        for image in (row["before"], row["after"]):
            parsed = oracle.json_object(image) or {}
            for field, kind in (
                ("email", "email"),
                ("full_name", "name"),
                ("phone", "phone"),
            ):
                if isinstance(parsed.get(field), str) and parsed[field]:
                    values[kind].add(parsed[field])
    values["content"] = {
        parsed["content"]
        for row in _raw(built, "messages_cdc")
        for parsed in [oracle.json_object(row["after"]) or {}]
        if isinstance(parsed.get("content"), str) and len(parsed["content"]) > 12
    }
    return values


def test_no_personal_data_outside_restricted_models(built) -> None:
    values = _personal_values(built)
    assert all(values.values()), "the dataset should contain personal data"
    needles = set().union(*values.values())
    leaks = Counter()
    for schema, table, column in built.query(
        "select table_schema, table_name, column_name from information_schema.columns"
        " where table_schema in ("
        + ", ".join(f"'{s}'" for s in NON_RESTRICTED_SCHEMAS)
        + ") and data_type in ('VARCHAR', 'character varying', 'text')"
    ):
        for (value,) in built.query(
            f'select distinct "{column}" from {schema}.{table} '
            f'where "{column}" is not null'
        ):
            if value in needles or any(
                needle in value for needle in values["email"] if "@" in value
            ):
                leaks[f"{schema}.{table}.{column}"] += 1
    assert not leaks, f"personal data outside the restricted schema: {dict(leaks)}"


def test_erased_users_have_no_contact_row(built) -> None:
    erased = {
        user_id
        for (user_id,) in built.query(
            "select user_id from staged.stg_oltp__users where is_deleted"
        )
    }
    contacts = {
        user_id
        for (user_id,) in built.query(
            "select user_id from restricted.stg_oltp__user_contacts"
        )
    }
    assert erased and not (erased & contacts)


def test_documented_columns_are_the_built_columns(built) -> None:
    problems = []
    for node in manifest()["nodes"].values():
        if (
            node["resource_type"] != "model"
            or node["config"]["materialized"] == "ephemeral"
        ):
            continue
        built_columns = [
            name
            for (name,) in built.query(
                "select column_name from information_schema.columns where "
                f"table_schema = '{node['schema']}' and table_name = '{node['name']}'"
                " order by ordinal_position"
            )
        ]
        if not built_columns and built.engine == "postgres":
            # information_schema lists no materialized views (the rt_ models).
            built_columns = [
                name
                for (name,) in built.query(
                    "select attname from pg_attribute where attrelid = to_regclass("
                    f"'{node['schema']}.{node['name']}') and attnum > 0"
                    " and not attisdropped order by attnum"
                )
            ]
        documented = list(node["columns"])
        if sorted(built_columns) != sorted(documented):
            problems.append((node["name"], built_columns, documented))
    assert problems == []


_COMMENTS = {
    "duckdb": (
        "select schema_name, table_name, comment from duckdb_tables()"
        " union all select schema_name, view_name, comment from duckdb_views()"
        " where not internal",
        "select schema_name, table_name, column_name, comment from duckdb_columns()",
    ),
    "postgres": (
        "select n.nspname, c.relname, obj_description(c.oid, 'pg_class')"
        " from pg_class c join pg_namespace n on n.oid = c.relnamespace"
        " where c.relkind in ('r', 'v', 'm')",
        "select n.nspname, c.relname, a.attname, col_description(c.oid, a.attnum)"
        " from pg_attribute a join pg_class c on c.oid = a.attrelid"
        " join pg_namespace n on n.oid = c.relnamespace"
        " where c.relkind in ('r', 'v', 'm') and a.attnum > 0 and not a.attisdropped",
    ),
}


def _comment_problems(built, names: set[str] | None = None) -> list[tuple]:
    """Every model whose persist_docs asks for comments has its description
    on the relation and each documented column; the others have none."""
    relations_sql, columns_sql = _COMMENTS[built.engine]
    relation_comment = {(s, t): c for s, t, c in built.query(relations_sql)}
    column_comment = {(s, t, col): c for s, t, col, c in built.query(columns_sql)}
    problems = []
    for node in manifest()["nodes"].values():
        if node["resource_type"] != "model" or (names and node["name"] not in names):
            continue
        if node["config"]["materialized"] == "ephemeral":
            continue
        key = (node["schema"], node["name"])
        wanted = node["config"].get("persist_docs") or {}
        expected = node["description"] if wanted.get("relation") else None
        if relation_comment.get(key, "absent") != (expected or None):
            problems.append((*key, relation_comment.get(key, "absent"), expected))
        for column, spec in node["columns"].items():
            expected = spec["description"] if wanted.get("columns") else None
            found = column_comment.get((*key, column))
            if (found or None) != (expected or None):
                problems.append((*key, column, found, expected))
    return problems


def test_described_relations_carry_their_comments(built) -> None:
    """persist_docs on every engine, after a build and after a rebuild of
    existing relations (the DuckDB materializations of ADRs 0012 and 0013
    replace them in place): each comment is the description, and nothing is left
    under dbt's temporary or backup names."""
    assert _comment_problems(built) == []
    rebuilt = {
        "dim_users",  # table, contract
        "fct_daily_active_users",  # incremental, contract
        "mon_alerts",  # view, no contract
        "rt_system_health",  # relation comment only
    }
    built.dbt("run", "--select", *sorted(rebuilt))
    assert _comment_problems(built, rebuilt) == []
    leftovers = [
        row
        for row in built.query(_COMMENTS[built.engine][0])
        if "__dbt_tmp" in row[1] or "__dbt_backup" in row[1]
    ]
    assert leftovers == []


def test_a_failed_table_rebuild_keeps_the_table(built) -> None:
    """A table's rebuild that fails while writing leaves the table as it
    was, rows and comments (on DuckDB the project's materialization drops
    and creates in one transaction, ADR 0013). The failure comes from the
    data, after dbt's contract check: the upstream is swapped for a view of
    the same columns whose date cannot be parsed."""
    before = built.query("select count(*), max(date_day) from mart.dim_dates")
    comments = _comment_problems(built, {"dim_dates"})
    upstream = "intermediate.int_dates_spined"
    built.execute(
        f"alter table {upstream} rename to int_dates_spined_held",
        f"create view {upstream} as select"
        " cast(cast(random() as varchar) as date) as date_day,"
        " true as is_in_data_window",
    )
    try:
        failed = built.dbt("run", "--select", "dim_dates", check=False)
        assert failed.returncode != 0, failed.stdout[-2000:]
        assert "dim_dates" in failed.stdout
    finally:
        built.execute(
            f"drop view if exists {upstream}",
            f"alter table {upstream}_held rename to int_dates_spined",
        )
    assert built.query("select count(*), max(date_day) from mart.dim_dates") == before
    assert before[0][0] > 0
    assert _comment_problems(built, {"dim_dates"}) == comments == []


def test_source_freshness_passes(built) -> None:
    result = built.dbt("source", "freshness", check=False)
    output = result.stdout
    assert result.returncode == 0, output[-3000:]
    passed = re.findall(r"PASS freshness of (\S+)", output)
    assert sorted(passed) == [
        "app.app_events",
        "billing.billing_subscriptions",
        "oltp.messages_cdc",
        "oltp.users_cdc",
    ], output[-3000:]


def test_truth_file_is_json(built, tmp_path) -> None:
    generator.write_jsonl(built.dataset, tmp_path)
    assert json.loads((tmp_path / "_truth.json").read_text())["raw_rows"]
