"""Retention and erasure scrub (`dbt run-operation scrub_personal_data`).

Build, then scrub with a pinned as_of, on DuckDB and Postgres:

- personal fields past retention are blank in raw and in the restricted
  models, every image of an erased user has no contact field left, and
  everything not due is untouched;
- the audit rows equal counts computed here, in Python, from the raw rows
  read before the scrub (an independent reading of the rules);
- no raw row is added or removed;
- `dbt build` passes again (the conservation tests included) and every
  table of staged / intermediate / mart is the same as before the scrub,
  but for the change_id of the re-keyed rows of the CDC staging tables;
- a second scrub changes nothing, and a `--full-refresh` build afterwards
  gives the same marts, and the same staged and restricted tables, change_id
  included, as the incremental build.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import time
from collections import Counter, defaultdict
from typing import Any

import oracle
import pytest
from harness import ROOT, dbt
from pipeline import Pipeline, pipeline
from project import manifest

from synapse_devtools.redshift import lint as redshift_check
from synapse_landing import generator

END = dt.datetime(2026, 5, 31, 12, 0)
AS_OF = END
EPOCH = dt.datetime(1970, 1, 1)
RETENTION = {"message_content": 14, "user_contact": 10}
ERASED_DAYS = 0
VARS = {"retention_days": RETENTION, "erased_user_contact_days": ERASED_DAYS}
MARKER = "[personal data scrubbed]"
RAW_TABLES = ("app_events", "users_cdc", "messages_cdc", "billing_subscriptions")
COMPARED_SCHEMAS = ("staged", "intermediate", "mart")
# Models that describe "now" (as in test_incremental_equivalence).
NOT_COMPARED_PREFIXES = ("rt_", "mon_")
AUDIT = "governance.personal_data_scrub_log"
# Every table holding the users' change_ids of valid rows: the base model
# computes them, the change table copies them (the guard looks in both).
CHANGES = ("restricted.base_oltp__users_cdc", "staged.stg_oltp__user_changes")

SPECS = {
    "users_cdc": {
        "key": "user_id",
        "fields": ("email", "full_name", "phone"),
        "kind": "user_contact",
        "changes": "staged.stg_oltp__user_changes",
        "base": "restricted.base_oltp__users_cdc",
        "quarantine": "restricted.stg_oltp__users_cdc_quarantine",
    },
    "messages_cdc": {
        "key": "message_id",
        "fields": ("content",),
        "kind": "message_content",
        "changes": "staged.stg_oltp__message_changes",
        "base": "restricted.base_oltp__messages_cdc",
        "quarantine": "restricted.stg_oltp__messages_cdc_quarantine",
    },
}


# ------------------------------------------------------------ Python reading


def _ms(moment: dt.datetime) -> int:
    return round((moment - EPOCH).total_seconds() * 1000)


def _text(value: Any) -> str | None:
    """What json_get_text returns for a member value."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)


def _row_key(row: dict, key: str) -> str | None:
    after = oracle.json_object(row["after"]) or {}
    before = oracle.json_object(row["before"]) or {}
    value = _text(after.get(key))
    if value is None:
        value = _text(before.get(key))
    return None if oracle.blank(value) else value


def _valid(row: dict, key: str) -> bool:
    return oracle.cdc_reason(row, key) is None and row["op"] in oracle.CDC_OPS


def _images(row: dict):
    for side in ("before", "after"):
        if row[side] is not None:
            yield side, row[side], oracle.json_object(row[side])


def plan_scrub(table: str, rows: list[dict]) -> list[dict[str, tuple]]:
    """Per raw row: {side: (action, reason, subject, blanked fields)} for each
    image that the scrub must change, from the rules of the decision record."""
    spec = SPECS[table]
    key, fields = spec["key"], spec["fields"]
    cutoff = AS_OF - dt.timedelta(days=RETENTION[spec["kind"]])
    cutoff_ms = _ms(cutoff)
    row_keys = [_row_key(row, key) for row in rows]
    valid = [
        _valid(row, key) and k is not None
        for row, k in zip(rows, row_keys, strict=True)
    ]

    erased: set[str] = set()
    current: dict[str, int] = {}
    erased_contacts: list[tuple[str, str | None]] = []
    if table == "users_cdc":
        latest: dict[str, dict] = {}
        for row, k, ok in zip(rows, row_keys, valid, strict=True):
            if not ok:
                continue
            if row["op"] != "d":
                current[k] = max(current.get(k, -1), row["source_lsn"])
            if row["source_ts_ms"] <= _ms(AS_OF) and (
                k not in latest or row["source_lsn"] > latest[k]["source_lsn"]
            ):
                latest[k] = row
        erased_cutoff = _ms(AS_OF - dt.timedelta(days=ERASED_DAYS))
        erased = {
            k
            for k, row in latest.items()
            if row["op"] == "d" and row["source_ts_ms"] <= erased_cutoff
        }
        erased_contacts = sorted(
            {
                (k, _text(image.get("email")) if image is not None else None)
                for row, k in zip(rows, row_keys, strict=True)
                if k in erased
                for _, _, image in _images(row)
            },
            key=repr,
        )

    plans = []
    for row, k, ok in zip(rows, row_keys, valid, strict=True):
        plan = {}
        for side, text, image in _images(row):
            subject, match = k, "key"
            if table == "users_cdc":
                if subject is None:
                    matches = []
                    for erased_key, email in erased_contacts:
                        if image is not None:
                            hit = (
                                email is not None and _text(image.get("email")) == email
                            )
                        else:
                            hit = (
                                f'{erased_key}"' in text
                                or f"{erased_key}\\" in text
                                or (email is not None and email in text)
                            )
                        if hit:
                            matches.append(erased_key)
                    subject = min(matches) if matches else None
                    match = "email" if image is not None else "text"
                is_current = (
                    side == "after" and ok and row["source_lsn"] == current.get(k)
                )
                if subject in erased:
                    reason = "erasure"
                elif not is_current and row["source_ts_ms"] < cutoff_ms:
                    reason = "user_contact_retention"
                else:
                    reason = None
            else:
                created = oracle.parse_iso(image.get("created_at")) if image else None
                moment = created or EPOCH + dt.timedelta(
                    milliseconds=row["source_ts_ms"]
                )
                reason = "message_content_retention" if moment < cutoff else None
            if reason is None:
                continue
            if image is not None:
                blanked = tuple(f for f in fields if _text(image.get(f)) is not None)
                if blanked:
                    plan[side] = ("fields", reason, subject, blanked, match)
            elif text != MARKER and any(f in text for f in fields):
                plan[side] = ("whole_image", reason, subject, ("whole_image",), match)
        plans.append(plan)
    return plans


def expected_audit(table: str, rows: list[dict], plans: list[dict]) -> Counter:
    spec = SPECS[table]
    expected: Counter = Counter()
    quarantine_table = spec["quarantine"]
    for row, plan in zip(rows, plans, strict=True):
        quarantined = not _valid(row, spec["key"]) or _row_key(row, spec["key"]) is None
        for side, (_, reason, subject, blanked, _) in plan.items():
            for field in blanked:
                expected[(f"raw.{table}", subject, side, field, reason)] += 1
                # The base model holds every raw row with its images.
                expected[(spec["base"], subject, side, field, reason)] += 1
                if quarantined:
                    expected[(quarantine_table, subject, side, field, reason)] += 1
        if plan:
            expected[(spec["changes"], None, None, "change_id", "rekey")] += 1
            expected[(spec["base"], None, None, "change_id", "rekey")] += 1
            if quarantined:
                expected[(quarantine_table, None, None, "change_id", "rekey")] += 1
    return expected


def _canonical(text: str | None) -> tuple:
    image = oracle.json_object(text) if text is not None else None
    if image is not None:
        return ("object", json.dumps(image, sort_keys=True))
    return ("text", text)


def _row_signature(row: dict, before: tuple, after: tuple) -> tuple:
    return (
        row["op"],
        before,
        after,
        row["source_lsn"],
        row["source_ts_ms"],
        row["loaded_at"],
    )


def expected_raw(rows: list[dict], plans: list[dict]) -> Counter:
    """Raw rows after the scrub, images compared as parsed JSON."""
    out: Counter = Counter()
    for row, plan in zip(rows, plans, strict=True):
        images = {}
        for side in ("before", "after"):
            text = row[side]
            if side in plan:
                action, _, _, blanked, _ = plan[side]
                if action == "whole_image":
                    text = MARKER
                else:
                    image = oracle.json_object(text)
                    image.update({field: None for field in blanked})
                    text = json.dumps(image)
            images[side] = _canonical(text)
        out[_row_signature(row, images["before"], images["after"])] += 1
    return out


def actual_raw(rows: list[dict]) -> Counter:
    return Counter(
        _row_signature(row, _canonical(row["before"]), _canonical(row["after"]))
        for row in rows
    )


# ------------------------------------------------------------ warehouse reads


def _normalise(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "as_tuple"):  # Decimal
        return float(value)
    if isinstance(value, list | dict):
        return repr(value)
    return value


def _same_rows(left: Counter, right: Counter) -> bool:
    """Equal multisets of rows, floats equal to 1e-9 relative (an average
    may differ in its last bit from one build to the next)."""
    if left == right:
        return True
    if sum(left.values()) != sum(right.values()):
        return False

    def order(row: tuple) -> str:
        return repr(tuple(round(v, 4) if isinstance(v, float) else v for v in row))

    for a, b in zip(
        sorted(left.elements(), key=order),
        sorted(right.elements(), key=order),
        strict=True,
    ):
        for x, y in zip(a, b, strict=True):
            if isinstance(x, float) and isinstance(y, float):
                if not math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12):
                    return False
            elif x != y:
                return False
    return True


def _relations(built: Pipeline, schemas: tuple[str, ...]) -> list[str]:
    listed = ", ".join(f"'{schema}'" for schema in schemas)
    names = built.query(
        "select table_schema, table_name from information_schema.tables "
        f"where table_schema in ({listed})"
    )
    if built.engine == "postgres":
        names += built.query(
            "select schemaname, matviewname from pg_matviews "
            f"where schemaname in ({listed})"
        )
    return sorted(
        f"{schema}.{name}"
        for schema, name in names
        if not name.startswith(NOT_COMPARED_PREFIXES)
    )


def _contents(
    built: Pipeline, schemas: tuple[str, ...], drop: tuple[str, ...] = ()
) -> dict[str, Counter]:
    contents = {}
    for relation in _relations(built, schemas):
        rows = built.rows(relation)
        contents[relation] = Counter(
            tuple(_normalise(v) for name, v in sorted(row.items()) if name not in drop)
            for row in rows
        )
    return contents


def _differences(left: dict[str, Counter], right: dict[str, Counter]) -> list[str]:
    """Names of the relations that differ, each with a few differing rows.
    A relation may only appear on the right: a model added to the project
    while the test ran (never in CI)."""
    missing = sorted(set(left) - set(right))
    assert missing == [], f"relations gone: {missing}"
    return [
        f"{name}: -{list((left[name] - right[name]).elements())[:2]}"
        f" +{list((right[name] - left[name]).elements())[:2]}"
        for name in left
        if not _same_rows(left[name], right[name])
    ]


def _scrub(built: Pipeline, check: bool = True):
    return built.dbt(
        "run-operation",
        "scrub_personal_data",
        "--args",
        json.dumps({"as_of": AS_OF.isoformat(sep=" ")}),
        "--vars",
        json.dumps(VARS),
        check=check,
    )


def _audit_rows(built: Pipeline) -> int:
    exists = built.query(
        "select count(*) from information_schema.tables "
        "where table_schema = 'governance' and table_name = 'personal_data_scrub_log'"
    )[0][0]
    return built.query(f"select count(*) from {AUDIT}")[0][0] if exists else 0


def _audit(built: Pipeline, run_id: str | None = None) -> Counter:
    where = f" where run_id = '{run_id}'" if run_id else ""
    return Counter(
        {
            (table, key, image, field, reason): int(count)
            for table, key, image, field, reason, count in built.query(
                "select table_name, row_key, image, field, reason, "
                f"sum(rows_affected) from {AUDIT}{where} "
                "group by table_name, row_key, image, field, reason"
            )
        }
    )


def _dataset() -> generator.Dataset:
    faults = generator.FaultRates(
        user_delete=0.1,
        cdc_malformed=0.08,
        cdc_missing_key=0.08,
        message_edit=0.03,
        message_delete=0.01,
    )
    return generator.generate(
        generator.GeneratorConfig(seed=23, users=220, days=40, end=END, faults=faults)
    )


@pytest.mark.parametrize("engine", ["duckdb", "postgres"])
def test_scrub_blanks_due_personal_data_and_changes_nothing_else(
    engine, request, tmp_path
) -> None:
    if engine == "postgres":
        request.getfixturevalue("postgres_server")
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 1)
        clock = now

    dataset = _dataset()
    generator.write_jsonl(dataset, tmp_path / "landing")
    with pipeline(engine, "retention", tmp_path) as built:
        built.land(tmp_path / "landing")
        built.dbt("build", "--exclude", "resource_type:snapshot")
        lap("build")

        raw_before = {table: built.rows(f"raw.{table}") for table in RAW_TABLES}
        plans = {t: plan_scrub(t, raw_before[t]) for t in SPECS}
        expected = Counter()
        for table in SPECS:
            expected.update(expected_audit(table, raw_before[table], plans[table]))
        # The dataset exercises every rule: (table, action, reason, matched by).
        cases = {
            (table, action, reason, match)
            for table, table_plans in plans.items()
            for plan in table_plans
            for action, reason, _, _, match in plan.values()
        }
        for needed in [
            ("users_cdc", "fields", "erasure", "key"),
            ("users_cdc", "fields", "erasure", "email"),
            ("users_cdc", "whole_image", "erasure", "text"),
            ("users_cdc", "fields", "user_contact_retention", "key"),
            ("users_cdc", "whole_image", "user_contact_retention", "text"),
            ("messages_cdc", "fields", "message_content_retention", "key"),
            ("messages_cdc", "whole_image", "message_content_retention", "key"),
        ]:
            assert needed in cases, f"the dataset lacks {needed}"
        before = _contents(built, COMPARED_SCHEMAS)
        before_without_ids = _contents(built, COMPARED_SCHEMAS, drop=("change_id",))
        contacts_before = built.rows("restricted.stg_oltp__user_contacts")
        contents_before = built.rows("restricted.stg_oltp__message_contents")
        messages = {
            row["message_id"]: row["created_at"]
            for row in built.rows("staged.stg_oltp__messages")
        }
        lap("read before")

        # ---------- one transaction: a failing guard leaves everything as it was
        for table in CHANGES:
            built.execute(f"update {table} set change_id = change_id || 'x'")
        failed = _scrub(built, check=False)
        assert failed.returncode != 0
        assert "no longer matches cdc_judged_rows" in failed.stdout
        for table in CHANGES:
            built.execute(f"update {table} set change_id = replace(change_id, 'x', '')")
        for table in SPECS:
            assert actual_raw(built.rows(f"raw.{table}")) == actual_raw(
                raw_before[table]
            )
        assert _audit_rows(built) == 0
        lap("failed scrub")

        _scrub(built)
        lap("scrub")
        run_ids = [r for (r,) in built.query(f"select distinct run_id from {AUDIT}")]
        assert len(run_ids) == 1

        # ---------- raw: every row kept, due fields blank, the rest untouched
        raw_after = {table: built.rows(f"raw.{table}") for table in RAW_TABLES}
        for table in RAW_TABLES:
            assert len(raw_after[table]) == len(raw_before[table]), table
        for table in ("app_events", "billing_subscriptions"):
            assert Counter(map(repr, raw_after[table])) == Counter(
                map(repr, raw_before[table])
            )
        for table in SPECS:
            assert actual_raw(raw_after[table]) == expected_raw(
                raw_before[table], plans[table]
            ), table
        # Erased users: none of their contact values left anywhere in raw.
        _assert_erased_contacts_gone(raw_before["users_cdc"], raw_after["users_cdc"])

        # ---------- audit: the counts computed here
        assert _audit(built) == expected

        # ---------- restricted models
        contacts_after = built.rows("restricted.stg_oltp__user_contacts")
        assert Counter(map(repr, contacts_after)) == Counter(map(repr, contacts_before))
        cutoff = AS_OF - dt.timedelta(days=RETENTION["message_content"])
        before_by_id = {row["message_id"]: row for row in contents_before}
        after_by_id = {
            row["message_id"]: row
            for row in built.rows("restricted.stg_oltp__message_contents")
        }
        assert sorted(after_by_id) == sorted(before_by_id)
        blanked = 0
        for message_id, row in after_by_id.items():
            if messages[message_id] < cutoff:
                assert row["content"] is None, message_id
                blanked += before_by_id[message_id]["content"] is not None
            else:
                assert row["content"] == before_by_id[message_id]["content"]
        assert blanked > 0
        for table, spec in SPECS.items():
            raw_rows = actual_raw(raw_after[table])
            quarantined = built.rows(spec["quarantine"])
            assert quarantined
            assert not (actual_raw(quarantined) - raw_rows), spec["quarantine"]
        lap("checks")

        # ---------- the next build passes and changes nothing but re-keyed ids
        built.dbt("build", "--exclude", "resource_type:snapshot")
        lap("build after scrub")
        after = _contents(built, COMPARED_SCHEMAS)
        changed = [name.split(":")[0] for name in _differences(before, after)]
        assert sorted(changed) == sorted(s["changes"] for s in SPECS.values())
        without_ids = _contents(built, COMPARED_SCHEMAS, drop=("change_id",))
        assert _differences(before_without_ids, without_ids) == []
        # What the full refresh below must give, but for the times the builds
        # wrote their rows (decided_at: no two builds share them).
        build_times = tuple(sorted(set().union(*built.build_time_columns().values())))
        assert build_times, "no build-time column: the incremental marts need one"
        incremental = {
            **_contents(built, COMPARED_SCHEMAS, drop=build_times),
            **_contents(built, ("restricted",), drop=build_times),
        }

        # ---------- a second scrub is a no-op
        _scrub(built)
        second = [r for (r,) in built.query(f"select distinct run_id from {AUDIT}")]
        assert len(second) == 1, "the second run must write no audit row"
        for table in SPECS:
            assert actual_raw(built.rows(f"raw.{table}")) == actual_raw(
                raw_after[table]
            )
        lap("second scrub")

        # ---------- a full refresh agrees with the incremental tables
        built.dbt("build", "--full-refresh", "--exclude", "resource_type:snapshot")
        lap("full refresh")
        refreshed = {
            **_contents(built, COMPARED_SCHEMAS, drop=build_times),
            **_contents(built, ("restricted",), drop=build_times),
        }
        assert _differences(incremental, refreshed) == []
    print(f"\n{engine} timings (s): {timings}")


def _assert_erased_contacts_gone(before: list[dict], after: list[dict]) -> None:
    plans = plan_scrub("users_cdc", before)
    erased = {
        subject
        for plan in plans
        for _, reason, subject, _, _ in plan.values()
        if reason == "erasure"
    }
    assert erased, "the dataset has no erased user"
    values: dict[str, set[str]] = defaultdict(set)
    for row in before:
        for _, _, image in _images(row):
            if image is None or "user_id" not in image:
                continue
            for field in SPECS["users_cdc"]["fields"]:
                if isinstance(image.get(field), str):
                    values[field].add((image["user_id"], image[field]))
    erased_values = {v for pairs in values.values() for k, v in pairs if k in erased}
    others = {v for pairs in values.values() for k, v in pairs if k not in erased}
    unique = erased_values - others
    assert unique
    erased_texts = [
        text
        for row in after
        for side in ("before", "after")
        if (text := row[side]) is not None
    ]
    # As a JSON string, also escaped inside a malformed image's text.
    leftovers = [
        value
        for value in unique
        for quoted in (f'"{value}"', f'\\"{value}\\"')
        if any(quoted in text for text in erased_texts)
    ]
    assert leftovers == []


def test_scrub_sql_renders_for_redshift_without_a_connection_and_parses() -> None:
    """Production runs the scrub on Redshift, which no test reaches: the
    script (scrub_personal_data_sql, the statements the run-operation runs)
    is rendered with no connection and every statement must parse under
    sqlfluff's redshift dialect."""
    result = dbt(
        [
            "compile",
            "--no-introspect",
            "--no-populate-cache",
            "--quiet",
            "--inline",
            "{{ scrub_personal_data_sql(as_of='2026-05-31 12:00:00') }}",
        ],
        target="prod",
        env={},
        run_name="scrub-redshift",
    )
    steps = result.stdout.split("-- scrub step: ")[1:]
    names = [step.partition("\n")[0] for step in steps]
    for needed in (
        "one transaction",
        "users_cdc: lock",
        "users_cdc: plan images",
        "users_cdc: guard",
        "users_cdc: update",
        "stg_oltp__user_changes: update",
        "stg_oltp__users_cdc_quarantine: update",
        "messages_cdc: update",
        "stg_oltp__message_changes: update",
        "stg_oltp__messages_cdc_quarantine: update",
        "commit",
    ):
        assert needed in names
    linter = redshift_check.redshift_linter()
    problems = []
    for step in steps:
        name, _, sql = step.partition("\n")
        sql = sql.strip().removesuffix(";")
        problems += [str(p) for p in redshift_check.parse_problems(sql, name, linter)]
    assert problems == []
    script = result.stdout
    # Redshift's own JSON: SUPER navigation and serialisation, no DuckDB or
    # Postgres function.
    assert "json_serialize(planned.image_json)" in script
    assert "json_merge_patch" not in script and "jsonb_set" not in script
    assert 'lock "raw"."users_cdc"' in script or "lock raw.users_cdc" in script


def test_every_governance_macro_and_argument_is_documented() -> None:
    """Each macro of the scrub (macros/governance/retention/) and of
    masking_policies.sql has a description, and documents exactly the
    arguments of its signature."""
    macros = {
        macro["name"]: macro
        for macro in manifest()["macros"].values()
        if macro["package_name"] == "synapse"
    }
    checked = 0
    governance = ROOT / "macros" / "governance"
    paths = [*sorted((governance / "retention").glob("*.sql"))]
    paths.append(governance / "masking_policies.sql")
    for path in paths:
        for match in re.finditer(
            r"{%-?\s*macro\s+(\w+)\((.*?)\)\s*-?%}", path.read_text(), re.S
        ):
            macro, signature = match.group(1), match.group(2)
            arguments = [
                part.split("=")[0].strip()
                for part in signature.split(",")
                if part.strip()
            ]
            node = macros[macro]
            assert node["description"].strip(), f"{macro} has no description"
            documented = [argument["name"] for argument in node["arguments"]]
            assert documented == arguments, macro
            assert all(a.get("description") for a in node["arguments"]), macro
            checked += 1
    assert checked >= 20
