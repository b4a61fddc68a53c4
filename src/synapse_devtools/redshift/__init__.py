"""Offline Redshift checks: capture what dbt sends to `prod`, then judge it.

- `capture`: runs dbt-redshift in process against the `prod` target with a
  recording stand-in for the Redshift connection, so every statement dbt
  would send (DDL, DML, hooks, tests, run-operations) is written down;
  `standin` is that stand-in (catalog answers included) and `kinds` names
  what each captured statement is.
- `rules`: the conformance rules (a package, one module per category),
  each tied to the Redshift documentation page it comes from and a fixture
  that breaks it.
- `check`: the command line (`python -m synapse_devtools.redshift.check`,
  `make redshift-check`) that runs both and lints with sqlfluff.
"""
