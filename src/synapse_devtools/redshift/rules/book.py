"""The rule book: every rule with its documentation page and failing
fixture, and the functions that apply them."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from synapse_devtools.redshift.rules.base import (
    DOCS,
    Finding,
    Rule,
    Statement,
)
from synapse_devtools.redshift.rules.casts import (
    check_cast_truncation,
    check_integer_ranges,
    check_supported_types,
    check_text_lengths,
    check_varchar_limit,
)
from synapse_devtools.redshift.rules.functions import (
    check_leader_node_functions,
    check_regex_backslashes,
    check_unsupported_features,
    check_unsupported_functions,
)
from synapse_devtools.redshift.rules.grammar import (
    check_create_materialized_view,
    check_create_table,
    check_create_view,
    check_do_block,
    check_filter_clause,
    check_function_language,
    check_grant_grantee,
    check_masking_policy,
    check_named_window,
    check_over_clause,
    check_parses,
)
from synapse_devtools.redshift.rules.queries import (
    check_correlated_subqueries,
    check_dispatch,
)
from synapse_devtools.redshift.rules.super_json import (
    check_json_extract,
    check_json_parse,
    check_json_text_width,
)
from synapse_devtools.redshift.rules.views import (
    check_mv_definition,
    check_mv_incremental,
)

# ---------------------------------------------------------------------------
# The rule book
# ---------------------------------------------------------------------------

RULES: tuple[Rule, ...] = (
    Rule(
        "RS001",
        "statement parses under the redshift dialect (Redshift-only commands "
        "match their documented synopsis)",
        DOCS + "c_SQL_commands.html",
        "select a from t where; attach masking policy p on t (c) to",
        check_parses,
    ),
    Rule(
        "RS002",
        "SELECT has no named WINDOW clause",
        DOCS + "r_SELECT_synopsis.html",
        "select sum(a) over w from t window w as (partition by b)",
        check_named_window,
    ),
    Rule(
        "RS003",
        "aggregates take no FILTER (WHERE ...) clause",
        DOCS + "c_Aggregate_Functions.html",
        "select count(*) filter (where a > 1) from t",
        check_filter_clause,
    ),
    Rule(
        "RS004",
        "OVER clause: ROWS frames only, explicit frame for ordered aggregate "
        "and value functions, no frame for ranking functions",
        DOCS + "r_Window_function_synopsis.html",
        "select sum(a) over (partition by b order by c) from t",
        check_over_clause,
    ),
    Rule(
        "RS005",
        "GRANT / REVOKE name a role with the ROLE keyword",
        DOCS + "r_GRANT.html",
        'grant select (a) on s.t to "analyst"',
        check_grant_grantee,
    ),
    Rule(
        "RS006",
        "CREATE TABLE uses only Redshift table attributes",
        DOCS + "r_CREATE_TABLE_NEW.html",
        "create unlogged table t (a integer) with (fillfactor = 70)",
        check_create_table,
    ),
    Rule(
        "RS007",
        "CREATE VIEW has no temporary/recursive form, options or check option",
        DOCS + "r_CREATE_VIEW.html",
        "create view v as select a from t with local check option",
        check_create_view,
    ),
    Rule(
        "RS008",
        "CREATE MATERIALIZED VIEW follows its synopsis (no OR REPLACE, IF NOT "
        "EXISTS, WITH DATA)",
        DOCS + "materialized-view-create-sql-command.html",
        "create materialized view if not exists mv as select a from t with no data",
        check_create_materialized_view,
    ),
    Rule(
        "RS009",
        "masking policies: CREATE / ATTACH MASKING POLICY synopsis, roles with ROLE",
        DOCS + "r_ATTACH_MASKING_POLICY.html",
        'attach masking policy p on s.t(c) to "analyst" priority 10',
        check_masking_policy,
    ),
    Rule(
        "RS010",
        "no DO blocks (Redshift has no anonymous PL/pgSQL)",
        DOCS + "c_SQL_commands.html",
        "do $$ begin perform pg_advisory_xact_lock(1); end $$",
        check_do_block,
    ),
    Rule(
        "RS011",
        "user-defined functions are LANGUAGE sql (or plpythonu), unmarked",
        DOCS + "r_CREATE_FUNCTION.html",
        "create or replace function f(x text) returns text language plpgsql "
        "immutable parallel safe as $f$ begin return x; end $f$",
        check_function_language,
    ),
    Rule(
        "RS012",
        "no leader-node-only functions in statements that read user tables",
        DOCS + "c_SQL_functions_leader_node_only.html",
        "select now() as at, substr(a, 1, 2) from s.t",
        check_leader_node_functions,
    ),
    Rule(
        "RS013",
        "no PostgreSQL functions that Redshift does not support",
        DOCS + "c_unsupported-postgresql-functions.html",
        "select generate_series(1, 3), string_agg(a, ',') from t",
        check_unsupported_functions,
    ),
    Rule(
        "RS014",
        "no PostgreSQL features Redshift lacks (IS DISTINCT FROM, arrays, "
        "ON CONFLICT, RETURNING)",
        DOCS + "c_unsupported-postgresql-features.html",
        "insert into t select a from s where a is distinct from array[1] "
        "on conflict do nothing",
        check_unsupported_features,
    ),
    Rule(
        "RS015",
        "regex literals double their backslashes (Redshift literals read escapes)",
        DOCS + "pattern-matching-conditions-posix.html",
        r"select a ~ '^[0-9]+\.[0-9]+$' from t",
        check_regex_backslashes,
    ),
    Rule(
        "RS016",
        "only Redshift data types (no json, jsonb, uuid, arrays, serial ...)",
        DOCS + "c_Supported_data_types.html",
        "select cast(payload as jsonb) as j from t",
        check_supported_types,
    ),
    Rule(
        "RS017",
        "text columns and casts declare their length (TEXT and VARCHAR mean "
        "VARCHAR(256); longer values fail or are cut)",
        DOCS + "r_Character_types.html",
        "create table s.t (a text, b varchar); select cast(c as varchar) from s.t",
        check_text_lengths,
    ),
    Rule(
        "RS018",
        "VARCHAR at most 65535 bytes, CHAR at most 4096",
        DOCS + "r_Character_types.html",
        "select cast(a as varchar(100000)) from t",
        check_varchar_limit,
    ),
    Rule(
        "RS026",
        "no cast of longer text to a shorter VARCHAR (Redshift cuts it silently)",
        DOCS + "r_CAST_function.html",
        "select cast('a longer text' as varchar(4)) as a from s.t",
        check_cast_truncation,
    ),
    Rule(
        "RS019",
        "integer values within their type's range (dateadd takes an INTEGER)",
        DOCS + "r_Numeric_types201.html",
        "select cast(3000000000 as integer), dateadd(ms, 1772355600000, d) from t",
        check_integer_ranges,
    ),
    Rule(
        "RS020",
        "materialized view definitions: no mutable functions, ORDER BY, LIMIT, "
        "views or system tables",
        DOCS + "materialized-view-create-sql-command.html",
        "create materialized view mv auto refresh yes as "
        "select getdate() as at, a from t order by a",
        check_mv_definition,
    ),
    Rule(
        "RS021",
        "auto-refreshed materialized views: constructs that rule out "
        "incremental refresh",
        DOCS + "materialized-view-refresh.html",
        "create materialized view mv auto refresh yes as "
        "select count(distinct a) as n from t left join u on t.k = u.k",
        check_mv_incremental,
        severity="warning",
    ),
    Rule(
        "RS022",
        "json_parse only on text already tested by is_valid_json",
        DOCS + "JSON_PARSE.html",
        "select json_parse(payload) as p from t",
        check_json_parse,
    ),
    Rule(
        "RS023",
        "json_extract_path_text / json_extract_array_element_text pass "
        "null_if_invalid = true",
        DOCS + "JSON_EXTRACT_PATH_TEXT.html",
        "select json_extract_path_text(payload, 'a') from t",
        check_json_extract,
    ),
    Rule(
        "RS027",
        "text extracted from JSON is stored with an explicit varchar(n) width",
        DOCS + "limitations-super.html",
        'create table s.t as with e as (select case when json_typeof(p."a") '
        "= 'string' then cast(p.\"a\" as varchar(65535)) else "
        'json_serialize(p."a") end as a from s.r) select * from e; '
        "create table s.u as select cast(json_extract_path_text(p, 'b', true) "
        "as varchar) as b from s.r",
        check_json_text_width,
    ),
    Rule(
        "RS024",
        "correlated subqueries in supported patterns only (no skip-level, "
        "ON-clause or windowed correlation)",
        DOCS + "r_correlated_subqueries.html",
        "select * from category left join event on category.catid = event.catid "
        "and eventid = (select max(eventid) from sales "
        "where sales.eventid = event.eventid)",
        check_correlated_subqueries,
    ),
    Rule(
        "RS025",
        "every dispatched macro with a postgres__ variant has a redshift__ one",
        "https://docs.getdbt.com/reference/dbt-jinja-functions/dispatch",
        "{% macro f() %}{{ adapter.dispatch('f', 'synapse')() }}{% endmacro %}\n"
        "{% macro postgres__f() %}select pg_backend_pid(){% endmacro %}\n"
        "{% macro default__f() %}select 1{% endmacro %}",
        check_dispatch,
        scope="macros",
    ),
)


def check_statement(
    statement: Statement, rules: Iterable[Rule] = RULES
) -> list[Finding]:
    findings = []
    for rule in rules:
        if rule.scope != "statement":
            continue
        for message in rule.check(statement):
            findings.append(Finding(rule, message, statement))
    return findings


def check_macros(macro_dir: Path, rules: Iterable[Rule] = RULES) -> list[Finding]:
    text = "\n".join(p.read_text() for p in sorted(macro_dir.rglob("*.sql")))
    findings = []
    for rule in rules:
        if rule.scope == "macros":
            for message in rule.check(text):
                findings.append(Finding(rule, message, where=str(macro_dir)))
    return findings


def fixture_findings(rule: Rule) -> list[str]:
    """What the rule reports on its own fixture (must not be empty)."""
    if rule.scope == "macros":
        return list(rule.check(rule.fixture))
    messages = []
    for sql in _split_fixture(rule.fixture):
        messages.extend(rule.check(Statement(sql)))
    return messages


def _split_fixture(fixture: str) -> list[str]:
    return [part.strip() for part in fixture.split(";") if part.strip()]
