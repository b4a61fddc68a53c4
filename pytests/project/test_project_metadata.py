"""Governance metadata every model must carry (checked on the parsed manifest)."""

from __future__ import annotations

import pytest
from project import CLASSIFICATIONS, manifest, models, nodes

EXPECTED_ACCESS = {
    "staging": "protected",
    "intermediate": "protected",
    "marts": "public",
    "monitoring": "protected",
}


# Real-time views are materialized views on Postgres and Redshift, which
# cannot carry an enforced contract, so they are not public models.
ACCESS_EXCEPTIONS = {"marts/realtime": "protected"}


def _layer(node: dict) -> str:
    return node["original_file_path"].split("/")[1]


def _expected_access(node: dict) -> str:
    folder = "/".join(node["original_file_path"].split("/")[1:3])
    return ACCESS_EXCEPTIONS.get(folder, EXPECTED_ACCESS[_layer(node)])


def test_project_has_models() -> None:
    assert len(models()) >= 10


@pytest.mark.parametrize("node", models(), ids=lambda node: node["name"])
def test_model_has_group_owner_and_access(node: dict) -> None:
    groups = {group["name"]: group for group in manifest()["groups"].values()}
    assert node["group"] in groups, f"{node['name']} has no group"
    owner = groups[node["group"]]["owner"]
    assert owner.get("email") or owner.get("name"), (
        f"group {node['group']} has no owner"
    )
    assert node["access"] == _expected_access(node), (
        f"{node['name']} in {_layer(node)} must be {_expected_access(node)}"
    )
    assert node["description"].strip(), f"{node['name']} has no description"


def _documented(items: list[dict]) -> list[tuple[str, str, str]]:
    problems = []
    for item in items:
        if not item["columns"]:
            problems.append((item["name"], "*", "no columns documented"))
        for column in item["columns"].values():
            if not column.get("description", "").strip():
                problems.append((item["name"], column["name"], "no description"))
            classification = column.get("meta", {}).get("classification")
            if classification not in CLASSIFICATIONS:
                problems.append((item["name"], column["name"], "no classification"))
    return problems


def test_every_column_described_and_classified() -> None:
    items = (
        models()
        + nodes("seed")
        + nodes("snapshot")
        + list(manifest()["sources"].values())
    )
    assert _documented(items) == []


def test_restricted_models_are_the_only_ones_with_personal_data() -> None:
    for node in models():
        has_pii = any(
            column.get("meta", {}).get("pii") for column in node["columns"].values()
        )
        if node["config"]["schema"] != "restricted":
            allowed = {"row_image"} if "quarantine" in node["name"] else set()
            kinds = {
                column["meta"]["pii"]
                for column in node["columns"].values()
                if column.get("meta", {}).get("pii")
            }
            assert kinds <= allowed, f"{node['name']} holds personal data {kinds}"
        elif not has_pii and "quarantine" not in node["name"]:
            pytest.fail(f"{node['name']} is restricted but declares no personal data")
