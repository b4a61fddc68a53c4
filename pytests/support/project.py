"""The dbt project's manifest, parsed once per test session (per xdist
worker: each parses into its own target/pytest/[<worker>/]parse/)."""

from __future__ import annotations

import json
import os
from functools import cache
from typing import Any

from harness import dbt, work_dir

CLASSIFICATIONS = {"public", "internal", "confidential"}


@cache
def manifest() -> dict[str, Any]:
    env = {"SYNAPSE_DUCKDB_PATH": str(work_dir("parse.duckdb"))}
    os.makedirs(work_dir(""), exist_ok=True)
    dbt(["parse", "--no-partial-parse"], target="local", env=env, run_name="parse")
    path = work_dir("parse") / "manifest.json"
    return json.loads(path.read_text())


def nodes(resource_type: str) -> list[dict[str, Any]]:
    return [
        node
        for node in manifest()["nodes"].values()
        if node["resource_type"] == resource_type and node["package_name"] == "synapse"
    ]


def models() -> list[dict[str, Any]]:
    return nodes("model")
