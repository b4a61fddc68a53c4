"""`synapse-land quarantine-export` rejects the landing options it cannot honour.

It used to accept `--schema` and `--replace` (shared with `generate` and
`load`) and ignore them, so `--replace` looked like it cleared something.
"""

from __future__ import annotations

import pytest

from synapse_landing import cli


@pytest.mark.parametrize(
    "option", [["--replace"], ["--schema", "raw_v2"], ["--schema=raw_v2"]]
)
def test_landing_options_are_a_clear_error(option, tmp_path, capsys) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["quarantine-export", "--out", str(tmp_path), *option])
    assert exited.value.code == 2
    error = capsys.readouterr().err
    assert f"{option[0].split('=')[0]} only applies to landing" in error
    assert "stg_app__events_quarantine" in error
    assert not any(tmp_path.iterdir()), "nothing may be written on a usage error"


def test_help_lists_only_what_the_command_uses(capsys) -> None:
    with pytest.raises(SystemExit):
        cli.main(["quarantine-export", "--help"])
    usage = capsys.readouterr().out
    assert "--duckdb-path" in usage and "--reason" in usage
    assert "--schema" not in usage and "--replace" not in usage


def test_landing_commands_keep_schema_and_replace() -> None:
    parser = cli.build_parser()
    load = parser.parse_args(["load", "--from", "x", "--schema", "r2", "--replace"])
    assert (load.schema, load.replace) == ("r2", True)
    generate = parser.parse_args(["generate", "--out", "x", "--schema", "r2"])
    assert (generate.schema, generate.replace) == ("r2", False)
    export = parser.parse_args(["quarantine-export", "--out", "x"])
    assert not hasattr(export, "schema") and not hasattr(export, "replace")
