"""Redshift conformance rules for the statements dbt sends to `prod`.

One module per category (grammar, functions, casts, views, super_json,
queries), the rule book in `book`; this package re-exports what callers use.

Each rule names the page of the Amazon Redshift Database Developer Guide it
comes from and carries a fixture: a statement (or, for the dispatch rule, a
macro file) that breaks it. `pytests/project/test_redshift_check.py` proves that every
rule reports its fixture and that the captured project reports nothing.

Syntax trees come from sqlglot's `redshift` dialect. sqlglot parses more than
Redshift accepts (it is a transpiler), so the rules look for the constructs
Redshift rejects instead of trusting a successful parse; statements sqlglot
does not model (masking policies, ALTER MATERIALIZED VIEW, LOCK) are matched
against the synopsis on their documentation page.

Severity `error` fails the check; `warning` is reported only (it changes
cost, not results).
"""

from synapse_devtools.redshift.rules.base import (
    DOCS,
    Finding,
    Rule,
    Statement,
    reads_user_tables,
)
from synapse_devtools.redshift.rules.book import (
    RULES,
    check_macros,
    check_statement,
    fixture_findings,
)
from synapse_devtools.redshift.rules.functions import (
    LEADER_NODE_ONLY,
    UNSUPPORTED_PG_FUNCTIONS,
)
from synapse_devtools.redshift.rules.grammar import COMMAND_SYNOPSES

__all__ = [
    "COMMAND_SYNOPSES",
    "DOCS",
    "LEADER_NODE_ONLY",
    "RULES",
    "UNSUPPORTED_PG_FUNCTIONS",
    "Finding",
    "Rule",
    "Statement",
    "check_macros",
    "check_statement",
    "fixture_findings",
    "reads_user_tables",
]
