"""Build the project end to end on one engine, for the tests that inspect it."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness import (
    ROOT,
    dbt,
    postgres_reachable,
    temporary_postgres_database,
    work_dir,
)

from synapse_landing import generator, loader
from synapse_landing.warehouse import DuckDBWarehouse, PostgresWarehouse, Warehouse


@dataclass
class Pipeline:
    """One engine's warehouse plus the env that points dbt at it."""

    engine: str
    env: dict[str, str]
    run_name: str
    database: str | None = None
    duckdb_path: Path | None = None
    builds: list[str] = field(default_factory=list)

    @property
    def target(self) -> str:
        return "local" if self.engine == "duckdb" else "postgres"

    def warehouse(self, schema: str = "raw") -> Warehouse:
        if self.engine == "duckdb":
            return DuckDBWarehouse(path=str(self.duckdb_path), schema=schema)
        return PostgresWarehouse(schema=schema, dbname=self.database)

    def land(self, root: Path, **kwargs: Any) -> dict[str, int]:
        """Lands the files and, when the env carries SYNAPSE_EMAIL_HASH_SALT,
        stores the salt where dbt reads it (as `make build` does)."""
        target = self.warehouse()
        try:
            counts = loader.land(root, target, **kwargs)
            if self.env.get("SYNAPSE_EMAIL_HASH_SALT"):
                target.put_salt(self.env["SYNAPSE_EMAIL_HASH_SALT"])
            return counts
        finally:
            target.close()

    def put_salt(self, salt: str) -> None:
        """Replaces the row of secrets.email_hash_salt ('' leaves it empty)."""
        target = self.warehouse()
        try:
            if salt:
                target.put_salt(salt)
            else:
                target.execute("delete from secrets.email_hash_salt")
        finally:
            target.close()

    def dbt(self, *args: str, check: bool = True):
        self.builds.append(" ".join(args))
        return dbt(
            list(args),
            target=self.target,
            env=self.env,
            run_name=self.run_name,
            check=check,
        )

    def execute(self, *statements: str) -> None:
        """Runs each statement on one connection to the warehouse, in order
        (Postgres autocommits each)."""
        target = self.warehouse()
        try:
            for statement in statements:
                target.execute(statement)
        finally:
            target.close()

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        target = self.warehouse()
        try:
            return target.query(sql)
        finally:
            target.close()

    def build_time_columns(self) -> dict[str, set[str]]:
        """Per model name, the columns whose YAML says `meta: {equivalence:
        not_compared}` (with a reason): build times such as `decided_at`,
        which no two builds share, so no comparison of data reads them."""
        manifest_path = work_dir(self.run_name) / "manifest.json"
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        columns: dict[str, set[str]] = {}
        for node in manifest["nodes"].values():
            if node["resource_type"] != "model":
                continue
            for name, column in node["columns"].items():
                meta = column.get("meta", {})
                if meta.get("equivalence") != "not_compared":
                    continue
                assert str(meta.get("equivalence_reason", "")).strip(), (
                    f"{node['name']}.{name}: meta.equivalence not_compared "
                    "needs an equivalence_reason"
                )
                columns.setdefault(node["name"], set()).add(name)
        return columns

    def rows(self, relation: str, columns: Sequence[str] | None = None) -> list[dict]:
        target = self.warehouse()
        try:
            select = ", ".join(columns) if columns else "*"
            if self.engine == "duckdb":
                cursor = target.connection.execute(f"select {select} from {relation}")
                names = [d[0] for d in cursor.description]
                return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
            with target.connection.cursor() as cursor:
                cursor.execute(f"select {select} from {relation}")
                names = [d[0] for d in cursor.description]
                return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        finally:
            target.close()


@contextmanager
def pipeline(engine: str, name: str, workdir: Path) -> Iterator[Pipeline]:
    """A fresh, empty warehouse on `engine` (a DuckDB file or a Postgres db)."""
    run_name = f"{name}-{engine}"
    if engine == "duckdb":
        path = workdir / f"{name}.duckdb"
        yield Pipeline(
            engine, {"SYNAPSE_DUCKDB_PATH": str(path)}, run_name, duckdb_path=path
        )
        return
    ok, reason = postgres_reachable()
    if not ok:
        raise RuntimeError(f"Postgres unreachable: {reason}")
    with temporary_postgres_database() as database:
        yield Pipeline(
            engine, {"SYNAPSE_PG_DATABASE": database}, run_name, database=database
        )


def small_config(
    seed: int = 5, users: int = 400, days: int = 100, end: dt.datetime | None = None
) -> generator.GeneratorConfig:
    return generator.GeneratorConfig(seed=seed, users=users, days=days, end=end)


def postgres_required() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


__all__ = ["ROOT", "Pipeline", "pipeline", "postgres_required", "small_config"]
