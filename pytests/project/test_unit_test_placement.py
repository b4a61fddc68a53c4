"""dbt unit tests have one place: the `unit_tests:` of the YAML file that
documents the model they test (the folder's `_<dir>__models.yml`), so a
reader of a model's YAML sees its columns, data tests and unit tests
together. README "Testing" states the rule for every kind of test."""

from __future__ import annotations

from project import manifest


def _synapse(entries: dict) -> list[dict]:
    return [e for e in entries.values() if e["package_name"] == "synapse"]


def test_every_unit_test_lives_in_its_models_yaml() -> None:
    patch_of = {
        node["name"]: (node.get("patch_path") or "").split("://", 1)[-1]
        for node in _synapse(manifest()["nodes"])
        if node["resource_type"] == "model"
    }
    unit_tests = _synapse(manifest()["unit_tests"])
    assert unit_tests, "the project has dbt unit tests; none were parsed"
    misplaced = [
        f"{test['name']} (model {test['model']}): in {test['original_file_path']},"
        f" expected in {patch_of.get(test['model']) or 'the model YAML'}"
        for test in unit_tests
        if test["original_file_path"] != patch_of.get(test["model"])
    ]
    assert not misplaced, "unit tests outside their model's YAML:\n" + "\n".join(
        misplaced
    )


def test_model_yaml_files_are_named_after_their_folder() -> None:
    """`_<dir>__models.yml` in models/<...>/<dir>/: where the rule sends a
    unit test is always a file of that name."""
    wrong = sorted(
        {
            path
            for path in (
                (node.get("patch_path") or "").split("://", 1)[-1]
                for node in _synapse(manifest()["nodes"])
                if node["resource_type"] == "model"
            )
            if path and not path.endswith(f"/_{path.split('/')[-2]}__models.yml")
        }
    )
    assert not wrong, f"model YAML not named _<dir>__models.yml: {wrong}"
