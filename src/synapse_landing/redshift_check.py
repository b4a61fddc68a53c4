"""Moved to synapse_devtools.redshift.lint (the sqlfluff parse of Redshift SQL).

Kept so existing imports keep working; `make redshift-check` runs the full
Redshift check (synapse_devtools.redshift.check).
"""

from synapse_devtools.redshift.lint import (  # noqa: F401
    ParseProblem,
    check_directory,
    parse_problems,
    redshift_linter,
)
