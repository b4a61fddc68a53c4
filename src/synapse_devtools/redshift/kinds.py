"""What a captured statement is: the record, its verb and its kind
(`model incremental (existing): delete`, `post-hook: grant`, ...), and the
kinds every capture must contain."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass
class Statement:
    phase: str
    command: str
    node_id: str
    resource_type: str
    materialized: str
    sql: str
    kind: str = ""


# ---------------------------------------------------------------------------
# Kinds of statement
# ---------------------------------------------------------------------------

_VERBS = (
    ("create materialized view", "create materialized view"),
    ("alter materialized view", "alter materialized view"),
    ("refresh materialized view", "refresh materialized view"),
    ("create masking policy", "create masking policy"),
    ("attach masking policy", "attach masking policy"),
    ("create or replace view", "create view"),
    ("create view", "create view"),
    ("create temporary table", "create temporary table"),
    ("create temp table", "create temporary table"),
    ("create table", "create table"),
    ("create schema", "create schema"),
    ("create or replace function", "create function"),
    ("create function", "create function"),
    ("alter table", "alter table"),
    ("drop", "drop"),
    ("insert", "insert"),
    ("delete", "delete"),
    ("update", "update"),
    ("merge", "merge"),
    ("grant", "grant"),
    ("revoke", "revoke"),
    ("comment on", "comment"),
    ("begin", "transaction"),
    ("commit", "transaction"),
    ("rollback", "transaction"),
    ("lock", "lock"),
    ("do", "do block"),
    ("set", "set"),
    ("with", "select"),
    ("select", "select"),
    ("(", "select"),
)


def statement_verb(sql: str) -> str:
    text = " ".join(re.sub(r"--[^\n]*", "", sql).lower().split())
    for prefix, verb in _VERBS:
        if text.startswith(prefix):
            return verb
    return text.split(" ", 1)[0] if text else "empty"


def statement_kind(statement: Statement) -> str:
    """`<what ran>: <verb>`, e.g. `model incremental (existing): delete`,
    `hook on-run-start: select`, `run-operation scrub_personal_data: update`."""
    verb = statement_verb(statement.sql)
    node = statement.node_id
    if verb == "transaction" or statement.sql.startswith("select pg_backend_pid()"):
        return f"connection: {verb}"
    if statement.command.startswith("run-operation"):
        return f"{statement.command}: {verb}"
    if node.startswith("hook."):
        return f"hook {node.removeprefix('hook.')}: {verb}"
    rtype = statement.resource_type
    if rtype == "model":
        if verb in ("grant", "revoke"):
            return f"post-hook: {verb}"
        return f"model {statement.materialized} ({statement.phase}): {verb}"
    if rtype in ("seed", "snapshot"):
        if verb in ("grant", "revoke"):
            return f"post-hook: {verb}"
        return f"{rtype} ({statement.phase}): {verb}"
    if rtype in ("test", "unit_test"):
        return f"{rtype.replace('_', ' ')}: {verb}"
    return f"{rtype or 'connection'}: {verb}"


# Kinds that must appear in every capture (the capture test asserts them).
REQUIRED_KINDS: tuple[str, ...] = (
    "hook on-run-start: select",
    "hook on-run-start: create table",  # the monitoring results tables
    "hook on-run-end: delete",  # run results recorded: delete, then insert
    "hook on-run-end: insert",
    "post-hook: grant",
    "post-hook: revoke",
    "model view (first): create view",
    "model table (first): create table",
    "model table (existing): alter table",
    "model incremental (first): create table",
    "model incremental (existing): create temporary table",
    "model incremental (existing): delete",
    "model incremental (existing): insert",
    "model materialized_view (first): create materialized view",
    "model materialized_view (existing): alter materialized view",
    "seed (first): create table",
    "seed (first): insert",
    "snapshot (first): create table",
    "snapshot (existing): update",
    "snapshot (existing): insert",
    "test: select",
    "unit test: select",
    "run-operation scrub_personal_data: update",
    "run-operation scrub_personal_data: insert",
    "run-operation redshift_masking_policies: create masking policy",
    "run-operation redshift_masking_policies: attach masking policy",
)


def required_kinds() -> list[str]:
    """The kinds every capture must contain."""
    return list(REQUIRED_KINDS)


def missing_kinds(statements: Sequence[Statement]) -> list[str]:
    seen = {statement.kind for statement in statements}
    return [kind for kind in required_kinds() if kind not in seen]
