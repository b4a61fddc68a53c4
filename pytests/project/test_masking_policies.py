"""Redshift dynamic data masking policies (macros/governance/masking_policies.sql).

No Redshift cluster is reachable and sqlfluff cannot parse CREATE / ATTACH
MASKING POLICY, so the statements are rendered without a connection and
checked by a validator written here from Redshift's documented grammar:

    CREATE MASKING POLICY policy_name [IF NOT EXISTS]
        WITH (input_column type [, ...]) USING (masking_expression [, ...]);
    ATTACH MASKING POLICY policy_name ON relation_name (output_columns)
        [USING (input_columns)] TO { user_name | ROLE role_name | PUBLIC }
        [PRIORITY priority];

The masking expressions themselves are parsed by sqlfluff's redshift dialect
(inside a SELECT). Coverage comes from the manifest: every personal-data
column (meta.pii, or classification confidential) of every model in the
restricted schema must be masked for PUBLIC, with the mask its kind calls
for, and left clear only for the roles allowed to read personal data.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest
from harness import ROOT, dbt
from project import models

from synapse_devtools.redshift import lint as redshift_check

IDENT = r"[a-z_][a-z0-9_$]{0,126}"
TYPE = (
    r"(?:varchar|character varying|nvarchar|text|char|character|bpchar)"
    r"(?:\(\s*\d+\s*\))?|smallint|integer|int|bigint|boolean|date|timestamp|"
    r"timestamptz|super|decimal\(\s*\d+\s*,\s*\d+\s*\)|real|double precision"
)
# Redshift reserved words that cannot be unquoted identifiers (a subset).
RESERVED = frozenset(
    """
    all analyse analyze and any array as asc between both case cast check
    collate column constraint create current_date current_time
    current_timestamp current_user default deferrable desc distinct do else
    end except false for foreign from grant group having in initially
    intersect into is join leading limit localtime localtimestamp new not
    null off offset old on only or order placing primary references select
    session_user some table then to trailing true union unique user using
    when where with
    """.split()  # noqa: SIM905
)
CREATE = re.compile(
    rf"^create masking policy (?P<name>{IDENT})(?P<ine> if not exists)?"
    rf" with \((?P<args>.+?)\) using \((?P<expr>.+)\)$"
)
ATTACH = re.compile(
    rf"^attach masking policy (?P<name>{IDENT})"
    rf" on (?P<schema>{IDENT})\.(?P<table>{IDENT})"
    rf" ?\((?P<columns>{IDENT}(?: ?, ?{IDENT})*)\)"
    rf"(?: using \((?P<inputs>{IDENT}(?: ?, ?{IDENT})*)\))?"
    rf" to (?:role (?P<role>{IDENT})|(?P<public>public)|(?P<user>{IDENT}))"
    rf"(?: priority (?P<priority>\d+))?$"
)
ARGUMENT = re.compile(rf"^(?P<name>{IDENT}) (?P<type>{TYPE})$")
PERSONAL_KINDS = {"email", "phone"}


def split_statements(sql: str) -> list[str]:
    """Statements separated by `;` outside quotes, whitespace collapsed."""
    statements, current, quote = [], [], None
    for char in sql:
        if quote:
            current.append(char)
            if char == quote:
                quote = None
        elif char in "'\"":
            quote = char
            current.append(char)
        elif char == ";":
            statements.append("".join(current))
            current = []
        else:
            current.append(char)
    rest = "".join(current).strip()
    if rest:
        statements.append(rest)
    collapsed = [re.sub(r"\s+", " ", s).strip() for s in statements]
    return [s for s in collapsed if s]


def balanced(text: str) -> bool:
    depth, quote = 0, None
    for char in text:
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0 and quote is None


def mask_kind(expression: str, argument: str) -> str:
    """What a masking expression shows of its input."""
    if expression.strip() == argument:
        return "unmasked"
    if re.search(rf"split_part\({argument}, '@', 2\)", expression):
        return "email"
    if re.search(
        rf"right\(regexp_replace\({argument}, '\[\^0-9\]', ''\), 4\)", expression
    ):
        return "phone"
    if (
        re.search(r"else '\*\*\*' end", expression)
        and argument not in expression.split("else")[-1]
    ):
        return "full"
    return "unknown"


def expected_kind(column: dict) -> str | None:
    meta = column.get("meta") or {}
    pii = meta.get("pii")
    if pii in PERSONAL_KINDS:
        return pii
    if pii or meta.get("classification") == "confidential":
        return "full"
    return None


def restricted_columns(model_nodes: list[dict]) -> dict[tuple[str, str], str]:
    out = {}
    for node in model_nodes:
        if node["schema"] != "restricted":
            continue
        for column in node["columns"].values():
            kind = expected_kind(column)
            if kind:
                out[(f"{node['schema']}.{node['alias']}", column["name"])] = kind
    return out


def validate(
    sql: str, required: dict[tuple[str, str], str], unmasked_roles: set[str]
) -> list[str]:
    """Problems of a masking script; [] when it is valid and complete."""
    problems: list[str] = []
    linter = redshift_check.redshift_linter()
    policies: dict[str, str] = {}
    attached: dict[tuple[str, str], list[dict]] = defaultdict(list)

    def check_ident(value: str, what: str, statement: str) -> None:
        if value in RESERVED:
            problems.append(f"{what} {value!r} is a reserved word: {statement}")

    for statement in split_statements(sql.lower()):
        if match := CREATE.match(statement):
            name, expression = match["name"], match["expr"]
            check_ident(name, "policy", statement)
            if name in policies:
                problems.append(f"policy {name} created twice")
            if not balanced(expression):
                problems.append(f"unbalanced using (...): {statement}")
                continue
            arguments = [a.strip() for a in match["args"].split(",")]
            parsed = [ARGUMENT.match(a) for a in arguments]
            if not all(parsed):
                problems.append(f"bad input column list ({match['args']}): {statement}")
                continue
            names = [p["name"] for p in parsed]
            for argument in names:
                check_ident(argument, "input column", statement)
                if not re.search(rf"\b{re.escape(argument)}\b", expression):
                    problems.append(f"{name}: input {argument} unused")
            select = f"select {expression} as masked from policy_input"
            for problem in redshift_check.parse_problems(select, Path(name), linter):
                problems.append(f"{name}: masking expression: {problem}")
            policies[name] = mask_kind(expression, names[0])
        elif match := ATTACH.match(statement):
            name = match["name"]
            if name not in policies:
                problems.append(f"attach of policy {name} not created before")
            for part in ("schema", "table", "role", "user"):
                if match[part]:
                    check_ident(match[part], part, statement)
            if match["user"] in {"role", "public"}:
                problems.append(f"grantee is a keyword, not a user: {statement}")
            relation = f"{match['schema']}.{match['table']}"
            for column in re.split(r" ?, ?", match["columns"]):
                check_ident(column, "column", statement)
                attached[(relation, column)].append(
                    {
                        "policy": name,
                        "kind": policies.get(name),
                        "grantee": (
                            "public"
                            if match["public"]
                            else match["role"] or match["user"]
                        ),
                        "is_role": bool(match["role"]),
                        "priority": int(match["priority"] or 0),
                    }
                )
        else:
            problems.append(f"not a masking policy statement: {statement[:120]}")

    for key, uses in attached.items():
        by_priority = defaultdict(set)
        for use in uses:
            by_priority[use["priority"]].add(use["policy"])
        for priority, names in by_priority.items():
            if len(names) > 1:
                problems.append(
                    f"{key}: policies {sorted(names)} at priority {priority}"
                )
    for (relation, column), kind in sorted(required.items()):
        uses = attached.get((relation, column), [])
        public = [u for u in uses if u["grantee"] == "public"]
        if not public:
            problems.append(f"{relation}.{column} ({kind}) has no policy for public")
            continue
        if any(u["kind"] != kind for u in public):
            problems.append(
                f"{relation}.{column}: public sees {[u['kind'] for u in public]}, "
                f"expected {kind}"
            )
        floor = max(u["priority"] for u in public)
        clear = {u["grantee"] for u in uses if u["kind"] == "unmasked"}
        if clear != unmasked_roles:
            problems.append(f"{relation}.{column}: clear for {sorted(clear)}")
        for use in uses:
            if use["kind"] == "unmasked" and (
                not use["is_role"] or use["priority"] <= floor
            ):
                problems.append(f"{relation}.{column}: clear value not above the mask")
    for relation, column in attached:
        if (relation, column) not in required:
            problems.append(f"{relation}.{column} is masked but holds no personal data")
    return problems


# ------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def rendered() -> str:
    """The statements for Redshift, rendered with no connection."""
    result = dbt(
        [
            "compile",
            "--no-introspect",
            "--no-populate-cache",
            "--quiet",
            "--inline",
            "{{ redshift_masking_policies_sql() }}",
        ],
        target="prod",
        env={},
        run_name="masking-redshift",
    )
    return result.stdout


@pytest.fixture(scope="module")
def required() -> dict[tuple[str, str], str]:
    columns = restricted_columns(models())
    assert len(columns) >= 6
    return columns


def test_every_personal_column_of_the_restricted_models_is_masked(
    rendered: str, required
) -> None:
    assert validate(rendered, required, {"pii_reader"}) == []
    # The partial masks are the ones asked for.
    assert "'***@' || split_part(input_text, '@', 2)" in rendered
    assert "right(regexp_replace(input_text, '[^0-9]', ''), 4)" in rendered
    kinds = set(required.values())
    assert {"email", "phone", "full"} <= kinds


BROKEN = {
    "no input type": ("with (input_text varchar(65535))", "with (input_text)"),
    "misspelt keyword": ("attach masking policy", "attach masking policies"),
    "bad identifier": ("synapse_mask_email_varchar_65535", "1mask"),
    "reserved word as input": ("input_text", "user"),
    "role without a name": ("to role pii_reader", "to role"),
    "unbalanced using": ("end as varchar(65535)));", "end as varchar(65535));"),
    "unparsable expression": ("when input_text is null then null", "when then"),
    "attach before create": (
        "create masking policy synapse_mask_full_varchar_65535",
        "create masking policy synapse_mask_fully_varchar_65535",
    ),
    "public sees clear text": (
        "synapse_mask_phone_varchar_65535 on restricted.stg_oltp__user_contacts(phone)",
        "synapse_unmasked_varchar_65535 on restricted.stg_oltp__user_contacts(phone)",
    ),
    "clear value below the mask": ("priority 20", "priority 5"),
    "two policies at one priority": ("priority 20", "priority 10"),
    "wrong mask for an email": (
        "synapse_mask_email_varchar_65535 on restricted.stg_oltp__user_contacts(email)",
        "synapse_mask_phone_varchar_65535 on restricted.stg_oltp__user_contacts(email)",
    ),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_the_validator_rejects_a_broken_statement(case, rendered, required) -> None:
    old, new = BROKEN[case]
    assert old in rendered, case
    broken = rendered.replace(old, new)
    assert validate(broken, required, {"pii_reader"}) != [], case


def test_the_validator_rejects_a_missing_attachment(rendered, required) -> None:
    kept = [
        s
        for s in rendered.split(";")
        if "stg_oltp__user_contacts(email) to public" not in s
    ]
    problems = validate(";".join(kept), required, {"pii_reader"})
    assert any("email (email) has no policy for public" in p for p in problems)


def test_run_operation_prints_the_sql_without_a_warehouse(rendered) -> None:
    """`dbt run-operation redshift_masking_policies` is a dry run by
    default: on an in-memory DuckDB (no warehouse) it prints the statements;
    applying them needs Redshift and the var turned on."""
    env = {"SYNAPSE_DUCKDB_PATH": ":memory:"}
    printed = dbt(
        ["run-operation", "redshift_masking_policies"],
        target="local",
        env=env,
        run_name="masking-print",
    ).stdout
    assert "dry run" in printed
    for statement in split_statements(rendered):
        assert statement.split(" to ")[0] in re.sub(r"\s+", " ", printed)
    refused = dbt(
        [
            "run-operation",
            "redshift_masking_policies",
            "--args",
            json.dumps({"apply": True}),
            "--vars",
            json.dumps({"redshift_masking_policies": True}),
        ],
        target="local",
        env=env,
        run_name="masking-apply",
        check=False,
    )
    assert refused.returncode != 0
    assert "apply needs a Redshift target" in refused.stdout


def test_custom_roles_and_types_render(required) -> None:
    result = dbt(
        [
            "compile",
            "--no-introspect",
            "--no-populate-cache",
            "--quiet",
            "--inline",
            "{{ redshift_masking_policies_sql(unmasked_roles=['dpo', 'support'],"
            " default_type='varchar(4096)') }}",
        ],
        target="prod",
        env={},
        run_name="masking-roles",
    )
    sql = result.stdout
    assert "with (input_text varchar(4096))" in sql
    assert validate(sql, required, {"dpo", "support"}) == []
    assert (ROOT / "macros" / "governance" / "masking_policies.sql").exists()
