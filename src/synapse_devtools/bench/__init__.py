"""`make bench`: the dbt project measured against the engine floor.

Generates landing data at several scales in a scratch folder, and for each
engine and scale times the full build, the tests, a no-change rerun (the
median of three), the build after one more landed day, the peak memory of
the generator and of the build, and a hand-written floor doing the least
work that gives the build's answers (checked after the build; ADR 0011).
The ratios against issue 9's targets, the machine, the slowest models and a
disaster-recovery estimate go to docs/benchmarks.md and
docs/benchmarks.json.

    python -m synapse_devtools.bench                 # 1M + 10M DuckDB, 1M Postgres
    python -m synapse_devtools.bench --scales 1M --engines duckdb
    python -m synapse_devtools.bench --smoke --output /tmp/b.md   # CI: tiny data
"""

from .cli import main

__all__ = ["main"]
