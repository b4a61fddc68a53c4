"""Hostile input, end to end, on DuckDB and Postgres (issue 15).

One small generated dataset plus hand-written hostile rows is landed per
engine and built twice (module-scoped, so the whole file costs two builds
per engine):

* build 1: the generated data and the hostile rows (NULL / future /
  implausible landing columns, events dated 1970, year 1 and 2099, CDC rows
  with NULL or out-of-range source_lsn / source_ts_ms, repeated JSON keys,
  \\u0000 escapes, numeric keys), plus two lines no warehouse can store (a
  1 MB payload, a NUL character) that the loader must set aside alone;
* build 2: a retried load of a batch already built (same rows, same
  loaded_at), a late batch older than the last cursor, and a new batch
  landed after the row dated 2999.

Both builds are `dbt build`, so every test (the per-batch conservation law
included) must pass with the hostile rows present; the assertions then
check reasons, cursors, date ranges, and that the two engines agree.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest
import yaml
from harness import ROOT, postgres_admin_settings, roles_lock
from pipeline import Pipeline, pipeline, small_config

from synapse_landing import contract, generator, loader

END = dt.datetime(2026, 5, 31, 18, 0)
DAYS = 12
FMT = contract.TIMESTAMP_TEXT_FORMAT
ENGINES = ["duckdb", "postgres"]


def _ts(value: dt.datetime | None) -> str | None:
    return value.strftime(FMT) if value else None


def _payload(user: str = "u_hostile", occurred: str = "2026-05-31T16:00:00Z") -> str:
    return json.dumps(
        {
            "event_type": "page_view",
            "user_id": user,
            "session_id": "s_hostile",
            "occurred_at": occurred,
            "platform": "web",
            "country": "PT",
            "app_version": "3.2.1",
            "properties": {"page": "/chat"},
        }
    )


RECEIVED = END - dt.timedelta(hours=2)
LOADED = END - dt.timedelta(hours=1, minutes=55)

# event_id -> (payload, received_at, loaded_at, expected quarantine reason)
HOSTILE_EVENTS: dict[str, tuple[str, dt.datetime | None, dt.datetime | None, str]] = {
    "h_1970": (
        _payload(occurred="1970-01-01T00:00:00Z"),
        RECEIVED,
        LOADED,
        "implausible_timestamp",
    ),
    "h_year_1": (
        _payload(occurred="0001-01-01T00:00:00+14:00"),
        RECEIVED,
        LOADED,
        "implausible_timestamp",
    ),
    "h_null_received": (
        _payload(occurred="2099-01-01T00:00:00Z"),
        None,
        LOADED,
        "missing_received_at",
    ),
    "h_received_2099": (
        _payload(occurred="2099-01-01T00:00:00Z"),
        dt.datetime(2099, 1, 1, 0, 1),
        LOADED,
        "implausible_received_at",
    ),
    "h_received_1999": (
        _payload(occurred="1999-06-01T00:00:00Z"),
        dt.datetime(1999, 6, 1, 0, 1),
        LOADED,
        "implausible_received_at",
    ),
    "h_null_loaded": (_payload(), RECEIVED, None, "missing_loaded_at"),
    "h_loaded_2999": (
        _payload(),
        RECEIVED,
        dt.datetime(2999, 1, 1),
        "future_loaded_at",
    ),
    "h_duplicate_key": (
        '{"event_type": "page_view", "user_id": "u_first", "user_id": "u_last", '
        '"session_id": "s_1", "occurred_at": "2026-05-31T16:00:00Z", '
        '"platform": "web", "properties": {"page": "/a"}}',
        RECEIVED,
        LOADED,
        "malformed_json",
    ),
    "h_nested_duplicate_key": (
        '{"event_type": "feature_used", "user_id": "u_1", "session_id": "s_1", '
        '"occurred_at": "2026-05-31T16:00:00Z", "platform": "web", '
        '"properties": {"feature": "a", "feature": "b"}}',
        RECEIVED,
        LOADED,
        "malformed_json",
    ),
    "h_nul_escape": (
        _payload(user="u_1\\u0000x").replace("\\\\u0000", "\\u0000"),
        RECEIVED,
        LOADED,
        "malformed_json",
    ),
    "h_numeric_user": (
        _payload().replace('"u_hostile"', "12345"),
        RECEIVED,
        LOADED,
        "missing_user_id",
    ),
    # 33 characters but 66 UTF-8 bytes: longer than user_id's 64-byte width
    # (counting characters, as length() does on DuckDB and Postgres, would
    # let it through and Redshift would cut it).
    "h_user_id_too_long": (_payload(user="é" * 33), RECEIVED, LOADED, "value_too_long"),
    "h_page_too_long": (
        _payload().replace('"/chat"', json.dumps("/" + "p" * 512)),
        RECEIVED,
        LOADED,
        "value_too_long",
    ),
}

USER_IMAGE = {
    "user_id": "u_hostile_cdc",
    "email": "h@example.com",
    "full_name": "H",
    "phone": None,
    "country": "PT",
    "plan": "free",
    "marketing_opt_in": False,
    "created_at": "2026-05-30T10:00:00Z",
    "updated_at": "2026-05-30T10:00:00Z",
}
COMMIT_MS = int((RECEIVED - dt.datetime(1970, 1, 1)).total_seconds() * 1000)


def _image(**changes: object) -> str:
    return json.dumps({**USER_IMAGE, **changes})


# source_lsn marker -> (row, expected reason); the marker identifies the row
# (NULL-LSN rows are told apart by their source_ts_ms).
HOSTILE_USERS_CDC: list[tuple[dict, str]] = [
    (
        {"source_lsn": None, "source_ts_ms": COMMIT_MS + 1, "after": _image()},
        "missing_source_lsn",
    ),
    (
        {"source_lsn": 9_000_000_002, "source_ts_ms": None, "after": _image()},
        "missing_source_ts",
    ),
    (
        {
            "source_lsn": 9_000_000_003,
            "source_ts_ms": 9_000_000_000_000_000,
            "after": _image(),
        },
        "implausible_source_ts",
    ),
    (
        {"source_lsn": 9_000_000_004, "source_ts_ms": -5, "after": _image()},
        "implausible_source_ts",
    ),
    (
        {
            "source_lsn": 9_000_000_005,
            "source_ts_ms": COMMIT_MS,
            "after": _image(created_at="0001-01-01T00:00:00+14:00"),
        },
        "implausible_timestamp",
    ),
    (
        {
            "source_lsn": 9_000_000_006,
            "source_ts_ms": COMMIT_MS,
            "after": _image(user_id=424242),
        },
        "missing_key",
    ),
    (
        {
            "source_lsn": 9_000_000_007,
            "source_ts_ms": COMMIT_MS,
            "after": _image()[:-1] + ', "email": "rewritten@example.com"}',
        },
        "malformed_json",
    ),
    (
        {
            "source_lsn": 9_000_000_010,
            "source_ts_ms": COMMIT_MS,
            "after": _image(plan="p" * 17),
        },
        "value_too_long",
    ),
    (
        {
            "source_lsn": 9_000_000_011,
            "source_ts_ms": COMMIT_MS,
            # 128 characters, 256 bytes: over the email's 254 bytes.
            "after": _image(email="é" * 128),
        },
        "value_too_long",
    ),
    (
        {
            "source_lsn": 9_000_000_008,
            "source_ts_ms": COMMIT_MS,
            "after": _image(),
            "loaded_at": None,
        },
        "missing_loaded_at",
    ),
    (
        {
            "source_lsn": 9_000_000_009,
            "source_ts_ms": COMMIT_MS,
            "after": _image(),
            "loaded_at": _ts(dt.datetime(2999, 1, 1)),
        },
        "future_loaded_at",
    ),
]


def _write_lines(root: Path, table: str, day: str, rows: list[dict | str]) -> None:
    folder = root / table / f"date={day}"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "part-00000.jsonl").open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write((row if isinstance(row, str) else json.dumps(row)) + "\n")


def _hostile_zone(root: Path) -> None:
    events: list[dict | str] = [
        {
            "event_id": event_id,
            "payload": payload,
            "received_at": _ts(received),
            "loaded_at": _ts(loaded),
        }
        for event_id, (payload, received, loaded, _) in HOSTILE_EVENTS.items()
    ]
    # Two lines no warehouse can store: the loader sets them aside alone.
    events.append(
        {
            "event_id": "h_one_megabyte",
            "payload": _payload()[:-1] + ', "pad": "' + "x" * 1_048_576 + '"}',
            "received_at": _ts(RECEIVED),
            "loaded_at": _ts(LOADED),
        }
    )
    events.append(
        {
            "event_id": "h_nul_character",
            "payload": _payload().replace("/chat", "/ch\x00at"),
            "received_at": _ts(RECEIVED),
            "loaded_at": _ts(LOADED),
        }
    )
    _write_lines(root, "app_events", "2026-05-31", events)
    users = [
        {
            "op": "c",
            "before": None,
            "loaded_at": _ts(LOADED),
            **row,
        }
        for row, _ in HOSTILE_USERS_CDC
    ]
    _write_lines(root, "users_cdc", "2026-05-31", users)


def _later_zone(root: Path, user_id: str) -> dict[str, dt.datetime]:
    """A late batch (older than the cursor) and a batch after the 2999 row."""
    batches = {
        "h_late": END - dt.timedelta(days=3),
        "h_after_future": END + dt.timedelta(hours=2),
    }
    rows = [
        {
            "event_id": event_id,
            "payload": _payload(
                user=user_id,
                occurred=(loaded - dt.timedelta(minutes=10)).strftime(
                    "%Y-%m-%dT%H:%M:%SZ"
                ),
            ),
            "received_at": _ts(loaded - dt.timedelta(minutes=9)),
            "loaded_at": _ts(loaded),
        }
        for event_id, loaded in batches.items()
    ]
    _write_lines(root, "app_events", "2026-06-01", rows)
    return batches


@dataclass
class Built:
    engine: str
    warehouse: Pipeline
    rejected: list[loader.RejectedLine]
    retried_rows: int
    valid_user: str
    earliest_signup: dt.date
    reader_privileges_before: int
    second_build_output: str


# Grants: build 1 configures an extra role, build 2 replaces it by a role
# that does not exist; privileges must converge and the absence must count.
EXTRA_ROLE = "synapse_hostile_reader"
ABSENT_ROLE = "synapse_hostile_absent"
EVERYWHERE = {
    "classifications": ["public", "internal", "confidential"],
    "schemas": [
        "mart",
        "intermediate",
        "staged",
        "reference",
        "snapshots",
        "restricted",
    ],
}


def _roles_var(extra: str) -> str:
    project = yaml.safe_load((ROOT / "dbt_project.yml").read_text())
    roles = {**project["vars"]["column_access_roles"], extra: EVERYWHERE}
    return json.dumps({"column_access_roles": roles})


def _ensure_extra_role(engine: str) -> None:
    if engine != "postgres":
        return
    with roles_lock():  # roles are cluster-wide: one creator at a time
        admin = psycopg2.connect(**postgres_admin_settings())
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f"drop role if exists {ABSENT_ROLE}")
            cursor.execute(
                "do $$ begin if not exists (select from pg_roles where rolname = "
                f"'{EXTRA_ROLE}') then create role {EXTRA_ROLE} nologin; end if; end $$"
            )
        admin.close()


def _privileges_of(warehouse: Pipeline, role: str) -> int:
    """ACL entries of `role` on relations, their columns and schemas."""
    if warehouse.engine != "postgres":
        return 0
    return warehouse.query(
        f"""
        with target as (select oid from pg_roles where rolname = '{role}')
        select
            (select count(*) from pg_class as c
                cross join lateral aclexplode(c.relacl) as acl
                where acl.grantee = (select oid from target))
            + (select count(*) from pg_attribute as a
                cross join lateral aclexplode(a.attacl) as acl
                where acl.grantee = (select oid from target))
            + (select count(*) from pg_namespace as n
                cross join lateral aclexplode(n.nspacl) as acl
                where acl.grantee = (select oid from target))
        """
    )[0][0]


def _earliest_signup(dataset: generator.Dataset) -> dt.date:
    """The earliest created_at of any generated user image (an independent
    lower bound of the date spine, computed from the generator's rows)."""
    dates = []
    for image in dataset.tables["users_cdc"]["after"]:
        try:
            created = json.loads(image)["created_at"]
        except (TypeError, ValueError, KeyError):
            continue
        dates.append(dt.date.fromisoformat(created[:10]))
    return min(dates)


@pytest.fixture(scope="module", params=ENGINES)
def built(request, tmp_path_factory) -> Iterator[Built]:
    engine = request.param
    if engine == "postgres":
        request.getfixturevalue("postgres_server")
    workdir = tmp_path_factory.mktemp(f"hostile-{engine}")
    dataset = generator.generate(small_config(seed=23, users=60, days=DAYS, end=END))
    base = workdir / "landing"
    generator.write_jsonl(dataset, base)
    hostile = workdir / "hostile"
    _hostile_zone(hostile)

    with pipeline(engine, "hostile", workdir) as warehouse:
        rejected: list[loader.RejectedLine] = []
        warehouse.land(base)
        warehouse.land(hostile, rejects=rejected)
        _ensure_extra_role(engine)
        warehouse.dbt(
            "build",
            "--exclude",
            "resource_type:snapshot",
            "--vars",
            _roles_var(EXTRA_ROLE),
        )
        reader_before = _privileges_of(warehouse, EXTRA_ROLE)

        # A retried load of a day already built: same rows, same loaded_at.
        retry_day = (END - dt.timedelta(days=2)).date()
        retried = warehouse.land(
            base, tables=["app_events"], since=retry_day, until=retry_day
        )
        valid_user = warehouse.query(
            "select user_id from staged.stg_app__events order by user_id limit 1"
        )[0][0]
        later = workdir / "later"
        _later_zone(later, valid_user)
        warehouse.land(later)
        second = warehouse.dbt(
            "build",
            "--exclude",
            "resource_type:snapshot",
            "--vars",
            _roles_var(ABSENT_ROLE),
        )
        yield Built(
            engine,
            warehouse,
            rejected,
            retried["app_events"],
            valid_user,
            _earliest_signup(dataset),
            reader_before,
            second.stdout,
        )


def _reasons(built: Built, relation: str, key: str) -> dict:
    return {
        row[key]: row["quarantine_reason"]
        for row in built.warehouse.rows(relation, [key, "quarantine_reason"])
    }


def test_loader_sets_aside_only_the_lines_no_warehouse_can_store(built) -> None:
    assert sorted((r.table, r.line) for r in built.rejected) == [
        ("app_events", len(HOSTILE_EVENTS) + 1),
        ("app_events", len(HOSTILE_EVENTS) + 2),
    ]
    reasons = " | ".join(r.reason for r in built.rejected)
    assert "1,04" in reasons and "varchar(65535)" in reasons
    assert "NUL character" in reasons
    landed = {
        row[0]
        for row in built.warehouse.query(
            "select event_id from raw.app_events "
            "where event_id like 'h\\_%' escape '\\'"
        )
    }
    assert set(HOSTILE_EVENTS) <= landed
    assert {"h_one_megabyte", "h_nul_character"}.isdisjoint(landed)


def test_hostile_events_are_quarantined_with_their_reason(built) -> None:
    reasons = _reasons(built, "staged.stg_app__event_deliveries", "event_id")
    expected = {event_id: spec[3] for event_id, spec in HOSTILE_EVENTS.items()}
    assert {k: reasons.get(k) for k in expected} == expected


def test_hostile_cdc_rows_are_quarantined_not_failed(built) -> None:
    rows = built.warehouse.rows(
        "restricted.stg_oltp__users_cdc_quarantine",
        ["source_lsn", "source_ts_ms", "quarantine_reason"],
    )
    by_marker = {
        (row["source_lsn"], row["source_ts_ms"]): row["quarantine_reason"]
        for row in rows
    }
    for row, reason in HOSTILE_USERS_CDC:
        assert by_marker.get((row["source_lsn"], row["source_ts_ms"])) == reason, row
    # The repeated key never rewrote anyone's email, and no numeric key
    # became a user.
    users = {row["user_id"] for row in built.warehouse.rows("staged.stg_oltp__users")}
    assert "424242" not in users and "u_hostile_cdc" not in users


def test_no_hostile_row_moves_a_mart_date_range(built) -> None:
    first, last = built.warehouse.query(
        "select min(date_day), max(date_day) from mart.dim_dates"
    )[0]
    assert built.earliest_signup <= first and last == END.date(), (first, last)
    earliest = (END - dt.timedelta(days=DAYS + 1)).date()
    dau_first, dau_last = built.warehouse.query(
        "select min(activity_date), max(activity_date) from mart.fct_daily_active_users"
    )[0]
    assert earliest <= dau_first and dau_last == END.date()
    growth_last = built.warehouse.query(
        "select max(signup_date) from mart.fct_user_growth_daily"
    )[0][0]
    assert growth_last == END.date()


def test_cursor_stages_late_retried_and_post_future_batches(built) -> None:
    kept = {
        row["event_id"]: row["user_id"]
        for row in built.warehouse.rows(
            "staged.stg_app__events", ["event_id", "user_id"]
        )
    }
    # The late batch and the batch landed after the 2999 row are staged.
    assert kept.get("h_late") == built.valid_user
    assert kept.get("h_after_future") == built.valid_user
    # The retried load is staged as redeliveries of the copies kept before.
    assert built.retried_rows > 0
    retried = built.warehouse.query(
        "select count(*) from staged.stg_app__event_deliveries "
        "where delivery_id like '%-2'"
    )[0][0]
    assert retried >= built.retried_rows
    raw, staged = built.warehouse.query(
        "select (select count(*) from raw.app_events), "
        "(select count(*) from staged.stg_app__event_deliveries)"
    )[0]
    assert raw == staged


def test_grants_converge_and_a_missing_role_counts(built) -> None:
    output = built.second_build_output
    if built.engine == "duckdb":
        # DuckDB has no roles: grants are only logged, and the role check
        # has nothing to miss, so it passes rather than warns.
        assert re.search(r"PASS assert_grant_roles_exist", output)
        assert not re.search(r"WARN \d+ assert_grant_roles_exist", output)
        return
    assert built.reader_privileges_before > 0
    # Removed from the var: nothing left on tables, incremental tables,
    # views, materialized views, the seed, or schemas.
    assert _privileges_of(built.warehouse, EXTRA_ROLE) == 0
    assert re.search(r"WARN \d+ assert_grant_roles_exist", built.second_build_output)
    assert re.search(r"WARN=[1-9]", built.second_build_output)
    assert "does not exist; skipped" not in built.second_build_output


PARITY_RELATIONS = {
    "staged.stg_app__event_deliveries": (
        # Same reason, or (valid rows) the same values: a quarantined row's
        # occurred_at may be 1 BC, which the drivers cannot even return.
        "delivery_id, event_id, quarantine_reason, user_id, event_type, "
        "case when is_valid then occurred_at end, received_at, loaded_at"
    ),
    "staged.stg_app__events": "event_id, delivery_id, user_id, delivery_count",
    "staged.stg_oltp__user_changes": (
        "change_id, user_id, quarantine_reason, country, plan, "
        "case when is_valid then created_at end"
    ),
    "staged.stg_oltp__users": "user_id, country, plan, is_deleted, created_at",
    "restricted.stg_oltp__user_contacts": "*",
}
CONTENTS: dict[str, dict[str, list[tuple]]] = {}


def _normalise(value: object) -> object:
    if isinstance(value, float):
        return None if math.isnan(value) else float(f"{value:.9g}")
    if hasattr(value, "as_tuple"):  # Decimal
        return float(f"{float(value):.9g}")
    return value


def _contents(built: Built) -> dict[str, list[tuple]]:
    marts = built.warehouse.query(
        "select table_name from information_schema.tables "
        "where table_schema = 'mart' and table_name not like 'rt\\_%' escape '\\'"
    )
    build_times = built.warehouse.build_time_columns()
    relations = {
        **PARITY_RELATIONS,
        **{
            f"mart.{name}": _compared_columns(built, name, build_times)
            for (name,) in marts
        },
    }
    return {
        relation: sorted(
            (
                tuple(_normalise(value) for value in row)
                for row in built.warehouse.query(f"select {columns} from {relation}")
            ),
            key=repr,
        )
        for relation, columns in relations.items()
    }


def _compared_columns(built: Built, mart: str, build_times: dict[str, set[str]]) -> str:
    """The select list of a mart without its build-time columns (when a
    build wrote each row: no two builds, let alone two engines, share it)."""
    if mart not in build_times:
        return "*"
    columns = built.warehouse.query(
        "select column_name from information_schema.columns "
        f"where table_schema = 'mart' and table_name = '{mart}' "
        "order by ordinal_position"
    )
    return ", ".join(name for (name,) in columns if name not in build_times[mart])


def test_engines_agree_on_every_hostile_row(built) -> None:
    """DuckDB runs first; the Postgres run compares with what it recorded."""
    CONTENTS[built.engine] = _contents(built)
    assert len(CONTENTS[built.engine]) >= len(PARITY_RELATIONS) + 10
    if built.engine == "duckdb":
        return
    assert "duckdb" in CONTENTS, "the DuckDB build did not run before Postgres"
    duck, postgres = CONTENTS["duckdb"], CONTENTS["postgres"]
    assert sorted(duck) == sorted(postgres)
    different = [name for name in duck if duck[name] != postgres[name]]
    assert different == [], {
        name: (
            sorted(set(duck[name]) - set(postgres[name]), key=repr)[:3],
            sorted(set(postgres[name]) - set(duck[name]), key=repr)[:3],
        )
        for name in different
    }


def test_reconcile_failure_names_the_batch_and_what_to_do(built) -> None:
    """Last in the module: it damages staging on purpose."""
    built.warehouse.query(
        "delete from staged.stg_app__event_deliveries "
        "where event_id = 'h_1970' returning event_id"
    )
    result = built.warehouse.dbt(
        "test",
        "--select",
        "source:app.app_events,test_name:row_count_reconciles",
        check=False,
    )
    assert result.returncode != 0
    lines = result.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if "See test failures" in line)
    query = next(line.strip() for line in lines[at:] if "select * from" in line.lower())
    failures = built.warehouse.query(query.split("\x1b")[0])
    assert len(failures) == 1
    batch_key, raw_rows, accounted_rows, what_to_do = failures[0]
    assert batch_key == LOADED
    assert raw_rows == accounted_rows + 1
    assert "dbt build --select stg_app__events" in what_to_do
    assert "--full-refresh" in what_to_do
