"""Production SQL on Redshift, proven offline.

dbt-redshift runs in process against the `prod` target with a recording
stand-in connection (synapse_devtools.redshift.capture), once per module, in
a subprocess. The tests then prove that:

- every kind of statement production sends was captured (both branches of
  incremental models, materialized views, seeds, snapshots, data and unit
  tests, hooks, post-hooks and run-operations);
- the conformance rules report nothing on the project;
- every rule reports its own fixture, and stays quiet on the corrected
  form of it (so a rule that can never fire, or always fires, fails here);
- the short statements parse under sqlfluff's redshift dialect (the lint).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from harness import ROOT, ensure_profiles

from synapse_devtools.redshift import capture, check, rules, standin
from synapse_devtools.redshift.rules.grammar import check_grant_grantee


@pytest.fixture(scope="module")
def capture_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ensure_profiles()
    out = tmp_path_factory.mktemp("redshift_capture")
    result = subprocess.run(
        [sys.executable, "-m", "synapse_devtools.redshift.capture", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return out


@pytest.fixture(scope="module")
def records(capture_dir: Path) -> list[capture.Statement]:
    return capture.load_capture(capture_dir)


def test_capture_holds_every_kind_of_statement(records) -> None:
    assert capture.missing_kinds(records) == []


def test_capture_holds_both_incremental_branches(records) -> None:
    first = [
        r
        for r in records
        if r.node_id == "model.synapse.stg_app__events" and r.phase == "first"
    ]
    existing = [
        r
        for r in records
        if r.node_id == "model.synapse.stg_app__events" and r.phase == "existing"
    ]
    assert any(r.kind.endswith("create table") for r in first)
    assert not any("touched_keys" in r.sql for r in first)
    delete = [r for r in existing if r.kind.endswith(": delete")]
    assert delete and "event_id" in delete[0].sql
    assert any("touched_keys" in r.sql for r in existing)


def test_capture_holds_every_model_and_run_operation(records) -> None:
    built = {r.node_id for r in records if r.resource_type == "model"}
    # Ephemeral models are inlined into their children: no statement of their own.
    models = {
        f"model.synapse.{p.stem}"
        for p in (ROOT / "models").rglob("*.sql")
        if "materialized='ephemeral'" not in p.read_text()
    }
    assert models <= built, models - built
    commands = {r.command for r in records}
    for macro, _ in capture.RUN_OPERATIONS:
        assert f"run-operation {macro}" in commands


def test_grants_name_roles_on_redshift(records) -> None:
    grants = [r.sql for r in records if r.kind == "post-hook: grant"]
    assert grants and all(' to role "' in sql for sql in grants)


def test_the_project_passes_every_rule(capture_dir: Path, records) -> None:
    report = check.run_check(records, lint=False, capture_dir=capture_dir)
    assert [str(f) for f in report.errors] == []
    assert report.missing_kinds == []


@pytest.mark.parametrize("rule", rules.RULES, ids=lambda rule: rule.code)
def test_every_rule_fails_on_its_fixture(rule: rules.Rule) -> None:
    assert rules.fixture_findings(rule), f"{rule.code} reports nothing on its fixture"
    assert rule.url.startswith("https://"), rule.url
    if rule.scope == "statement":
        assert rule.url.startswith("https://docs.aws.amazon.com/redshift/")


# The corrected form of each fixture: the same rule reports nothing.
CORRECTED = {
    "RS001": 'attach masking policy p on s.t(c) to role "analyst" priority 10',
    "RS002": "select sum(a) over (partition by b) from t",
    "RS003": "select count(case when a > 1 then 1 end) from t",
    "RS004": "select sum(a) over (partition by b order by c rows between "
    "unbounded preceding and current row), row_number() over (order by c) from t",
    "RS005": 'grant select (a) on s.t to role "analyst"',
    "RS006": "create table s.t (a integer) diststyle key distkey (a) sortkey (a)",
    "RS007": "create view v as select a from t with no schema binding",
    "RS008": "create materialized view mv backup no diststyle even "
    "auto refresh yes as select a from t",
    "RS009": 'attach masking policy p on s.t(c) to role "analyst" priority 10',
    "RS010": "select 1 as no_udfs_needed",
    "RS011": "create or replace function f(varchar) returns varchar stable "
    "as $$ select $1 $$ language sql",
    "RS012": "select getdate() as at, substring(a, 1, 2) from s.t",
    "RS013": "select listagg(a, ',') within group (order by a) from t",
    "RS014": "insert into t select a from s where a <> 1 or (a is null) <> (1 is null)",
    "RS015": r"select a ~ '^[0-9]+\\.[0-9]+$' from t",
    "RS016": "select json_parse(payload) as j from t",
    "RS017": "create table s.t (a varchar(64)); "
    "select cast(c as varchar(65535)) from s.t",
    "RS018": "select cast(a as varchar(65535)) from t",
    "RS019": "select cast(2000000000 as integer), dateadd(ms, 1000, d) from t",
    "RS020": "create materialized view mv auto refresh yes as select a from t",
    "RS021": "create materialized view mv auto refresh yes as "
    "select k, count(a) as n from t group by k",
    "RS022": "select case when is_valid_json(payload) then json_parse(payload) end "
    "as p from t",
    "RS023": "select json_extract_path_text(payload, 'a', true) from t",
    "RS024": "select * from sales s where qtysold = (select max(numtickets) "
    "from listing l where s.listid = l.listid)",
    "RS025": "{% macro f() %}{{ adapter.dispatch('f', 'synapse')() }}{% endmacro %}\n"
    "{% macro postgres__f() %}select 1{% endmacro %}\n"
    "{% macro redshift__f() %}select 1{% endmacro %}",
    "RS026": "select cast('abcd' as varchar(4)) as a from s.t",
    "RS027": 'create table s.t as with e as (select json_serialize(p."a") as a '
    "from s.r) select case when octet_length(a) <= 64 then cast(a as varchar(64)) "
    "end as a from e; create table s.u as select cast(json_extract_path_text("
    "p, 'b', true) as varchar(32)) as b from s.r",
}


@pytest.mark.parametrize("rule", rules.RULES, ids=lambda rule: rule.code)
def test_every_rule_accepts_the_corrected_fixture(rule: rules.Rule) -> None:
    corrected = CORRECTED[rule.code]
    if rule.scope == "macros":
        assert list(rule.check(corrected)) == []
        return
    for sql in corrected.split(";"):
        assert list(rule.check(rules.Statement(sql.strip()))) == [], sql


def test_the_short_statements_pass_the_sqlfluff_lint(records) -> None:
    sample = check.lint_sample(check.distinct_statements(records), per_kind=1)
    assert len(sample) > 30
    assert check.sqlfluff_problems(sample) == []


def test_dist_and_sort_keys_name_columns_of_their_model(capture_dir, records) -> None:
    """Redshift refuses a DISTKEY or SORTKEY on a column the table lacks; the
    stand-in cannot, so check the keys against the model's documented columns."""
    import json

    manifest = json.loads((capture_dir / "dbt" / "manifest.json").read_text())
    keyed = 0
    for record in records:
        if not record.kind.endswith(("create table", "create temporary table")):
            continue
        node = manifest["nodes"].get(record.node_id)
        if node is None or node["resource_type"] != "model":
            continue
        header = record.sql.lower().split(" as", 1)[0] + record.sql.lower()[:400]
        keys = re.findall(r'distkey\s*\(\s*"?(\w+)"?\s*\)', header)
        for group in re.findall(r"sortkey\s*\(([^)]*)\)", header):
            keys += [key.strip().strip('"') for key in group.split(",")]
        for key in keys:
            keyed += 1
            assert key in node["columns"], (record.node_id, key)
    assert keyed >= 10


# ---------- repeated JSON keys on Redshift (issue 15, item 3) ----------

_PCRE_LITERAL = re.compile(r"'((?:[^']|'')*)'(?:, '0')?, 1, 'p'\)")


def _redshift_key_patterns(sql: str) -> tuple[dict[str, str], int]:
    """The PCRE patterns json_parse_object sends to Redshift, read back from
    the captured statement (SQL literal unescaped), and how many nesting
    levels it searches."""
    patterns: dict[str, str] = {}
    for literal in _PCRE_LITERAL.findall(sql):
        pattern = literal.replace("''", "'").replace("\\\\", "\\")
        if "\\1" in pattern:
            patterns["repeated"] = pattern
        elif pattern.endswith("[{\\[]"):
            patterns["nested"] = pattern
        elif pattern.startswith('"[^"'):
            patterns["escaped_key"] = pattern
        else:
            patterns["collapse"] = pattern
    depth = sql.count(f"'{_sql_literal(patterns['repeated'])}', 1, 'p')")
    return patterns, depth // max(sql.count("is_valid_json(payload)"), 1)


def _sql_literal(pattern: str) -> str:
    return pattern.replace("\\", "\\\\").replace("'", "''")


def _redshift_accepts(text: str, patterns: dict[str, str], depth: int) -> bool:
    """The captured conditions, evaluated with the `regex` module (PCRE
    semantics for what they use: (*SKIP)(*F), lazy loops, backreferences)."""
    import regex

    if regex.search(patterns["escaped_key"], text):
        return False
    level = text
    for _ in range(depth):
        if regex.search(patterns["repeated"], level):
            return False
        level = regex.sub(patterns["collapse"], "0", level)
    return regex.search(patterns["nested"], level) is None


REPEATED_KEY_CASES = {
    # The hostile suite's probes (pytests/e2e/test_hostile_input.py).
    '{"event_type": "page_view", "user_id": "u_first", "user_id": "u_last"}': False,
    '{"user_id": "u_1", "properties": {"feature": "a", "feature": "b"}}': False,
    # Repeats around nested values, with whitespace, or hidden in strings.
    '{"a": {"x": 1}, "b": [1, 2], \n "a" : 2}': False,
    '{"a": "{", "a": "}"}': False,
    '{"\\u0061": 1, "a": 2}': False,
    '{"a": "x\\"a\\": 1, ", "b": 2}': True,
    '{"a": "{\\"a\\": 1, \\"a\\": 2}"}': True,
    '{"k": "a", "a": 1, "ab": {"b": 1}, "b": [{"b": 2}, {"b": 3}]}': True,
    '{"event_type": "page_view", "user_id": "u_1", "properties": {"page": "/a"}}': True,
}


def test_redshift_json_parse_refuses_repeated_keys(records) -> None:
    create = next(
        r
        for r in records
        if r.node_id == "model.synapse.stg_app__event_deliveries"
        and r.kind == "model incremental (first): create table"
    )
    patterns, depth = _redshift_key_patterns(create.sql)
    assert set(patterns) == {"collapse", "repeated", "nested", "escaped_key"}
    assert depth >= 2  # the levels DuckDB and Postgres check, at least
    verdicts = {
        text: _redshift_accepts(text, patterns, depth) for text in REPEATED_KEY_CASES
    }
    assert verdicts == REPEATED_KEY_CASES
    # A repeat deeper than DuckDB and Postgres look is refused too (stricter),
    # and so is anything nested deeper than the levels searched.
    assert not _redshift_accepts('{"a": {"b": {"c": 1, "c": 2}}}', patterns, depth)
    deep = '{"a": ' * (depth + 1) + "1" + "}" * (depth + 1)
    assert not _redshift_accepts(deep, patterns, depth)


# ---------- grants converge on Redshift (issue 15, item 7) ----------


@pytest.mark.parametrize(
    "grantee",
    [
        f'role "{standin.STALE_ROLE}"',
        f'group "{standin.STALE_GROUP}"',
        f'"{standin.STALE_USER}"',
    ],
    ids=["role", "group", "user"],
)
def test_redshift_grants_revoke_what_is_not_configured(records, grantee) -> None:
    """A role since removed from the configuration, a group and a user granted
    by hand: every one loses its privileges on the next build."""
    catalog = [r for r in records if "from svv_relation_privileges" in r.sql]
    assert catalog and all(
        "svv_column_privileges" in r.sql and "svv_schema_privileges" in r.sql
        for r in catalog
    )
    revokes = [r for r in records if r.kind == "post-hook: revoke"]
    # dbt-redshift sends a hook's statements one by one, each with its `;`.
    stale = [r for r in revokes if r.sql.rstrip("; \n").endswith(f"from {grantee}")]
    assert {r.phase for r in stale} == {"existing"}
    kinds = {
        ("schema" if " on schema " in r.sql else "relation", r.resource_type)
        for r in stale
    }
    # Every relation type dbt builds, and schema usage.
    assert {
        ("relation", "model"),
        ("relation", "seed"),
        ("relation", "snapshot"),
    } <= kinds
    assert ("schema", "model") in kinds
    materializations = {r.materialized for r in stale if r.resource_type == "model"}
    assert {"table", "view", "incremental", "materialized_view"} <= materializations
    # And nothing is granted to it.
    assert not [r for r in records if r.kind == "post-hook: grant" and grantee in r.sql]


def test_the_dbt_user_keeps_what_it_owns(records) -> None:
    """The privilege query leaves out the user running dbt, who owns every
    relation it builds and must not revoke its own access."""
    catalog = [r.sql for r in records if "from svv_relation_privileges" in r.sql]
    assert catalog and all(
        "not (identity_type = 'user' and identity_name = current_user)" in sql
        for sql in catalog
    )


def test_a_bare_revoke_is_a_user_unless_it_names_a_configured_role() -> None:
    roles = check.configured_roles()
    assert "analyst" in roles

    def findings(sql: str) -> list[str]:
        return list(check_grant_grantee(rules.Statement(sql, roles=roles)))

    assert findings('revoke all on s.t from "analyst"')
    assert findings('grant select (a) on s.t to "bob"')
    assert not findings('revoke all on s.t from "bob"')
    assert not findings('revoke usage on schema "s" from group "ops"')
    assert not findings('revoke all on s.t from role "analyst"')
