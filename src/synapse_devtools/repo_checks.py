"""Repository hygiene checks that pre-commit runs (`python -m ...repo_checks`).

    yaml        every file parses as YAML
    secrets     no secret-looking value is committed (credentials come from
                environment variables; mark a deliberate fixture line with
                `pragma: allowlist secret`)
    whitespace  no trailing whitespace
Each prints one line per finding, `path:line: message`, and exits 1 if any.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import yaml

ALLOW = "pragma: allowlist secret"

SECRET_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("AWS access key id", re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")),
    (
        "AWS secret access key",
        re.compile(r"aws_secret_access_key\s*[:=]\s*['\"]?[A-Za-z0-9/+=]{40}"),
    ),
    ("private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    (
        "password in a connection URL",
        re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@]+:[^@\s/{}$]+@"),
    ),
    (
        "literal credential",
        re.compile(
            # The word may end a longer name (SYNAPSE_PG_PASSWORD, PGPASSWORD,
            # db_password, SYNAPSE_EMAIL_HASH_SALT), after `export` or `-e`,
            # as a shell, env-file, YAML, TOML, INI or Python assignment.
            r"(?i)(?<![a-z0-9])(?:[a-z0-9]*_|pg)?"
            r"(password|passwd|pwd|secret|token|api[_-]?key|salt)\b"
            # a quoted key whose value is unquoted is code naming a variable:
            # {"SYNAPSE_PG_PASSWORD": generated}
            r"(?P<key_quote>['\"])?\s*[:=]\s*(?(key_quote)['\"]|['\"]?)"
            r"(?!\{\{|\$|env_var|os\.environ|none\b|null\b)"
            # not code reading it: settings["password"], cfg.get(...)
            r"(?![A-Za-z_][A-Za-z0-9_]*[\[(.])"
            r"[^\s'\"{}$()]{8,}"
        ),
    ),
    (
        "password on a command line",
        re.compile(r"(?i)--password[= ]['\"]?(?!\$)[^\s'\"{}$()]{6,}"),
    ),
)


def find_secrets(path: Path, text: str) -> list[str]:
    findings = []
    for number, line in enumerate(text.splitlines(), start=1):
        if ALLOW in line:
            continue
        for label, pattern in SECRET_PATTERNS:
            if pattern.search(line):
                findings.append(f"{path}:{number}: looks like a committed {label}")
    return findings


def check_yaml(path: Path, text: str) -> list[str]:
    try:
        list(yaml.safe_load_all(text))
    except yaml.YAMLError as error:
        return [f"{path}: invalid YAML: {error}".replace("\n", " ")]
    return []


def check_whitespace(path: Path, text: str) -> list[str]:
    return [
        f"{path}:{number}: trailing whitespace"
        for number, line in enumerate(text.splitlines(), start=1)
        if line != line.rstrip()
    ]


CHECKS: dict[str, Callable[[Path, str], list[str]]] = {
    "yaml": check_yaml,
    "secrets": find_secrets,
    "whitespace": check_whitespace,
}


def run(check: str, paths: Iterable[str]) -> int:
    findings: list[str] = []
    for name in paths:
        path = Path(name)
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, IsADirectoryError, FileNotFoundError):
            continue
        findings.extend(CHECKS[check](path, text))
    for finding in findings:
        print(finding)
    return 1 if findings else 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] not in CHECKS:
        print(f"usage: repo_checks {{{'|'.join(CHECKS)}}} FILE...", file=sys.stderr)
        return 2
    return run(args[0], args[1:])


if __name__ == "__main__":
    sys.exit(main())
