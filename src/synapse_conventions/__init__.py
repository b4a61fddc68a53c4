"""The project's conventions as dbt-score rules (`make conventions`).

dbt-score reads dbt's manifest and loads the rules of this package (see
`[tool.dbt-score]` in pyproject.toml); any violation fails the check with a
message that says what to fix."""
