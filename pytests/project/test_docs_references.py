"""Pointers into the docs resolve, and the decision records keep one shape.

A comment that says "see README: Quarantine and replay" or
"docs/decisions/0010" is only useful while that section or record exists;
renumbered records and renamed sections left several dangling. A pure read
of the repository's text files, no dbt run.
"""

from __future__ import annotations

import os
import re
from functools import cache
from pathlib import Path

import pytest
from harness import ROOT

DECISIONS = ROOT / "docs" / "decisions"
SELF = Path(__file__).resolve()
ADR_FILE = re.compile(r"^(\d{4})-[a-z0-9-]+\.md$")
# Files whose comments or prose may point into the docs.
SUFFIXES = {".sql", ".yml", ".yaml", ".py", ".md", ".toml"}
NAMES = {"Makefile", "run"}
# Build products, data and tool caches: not written by people, and large.
SKIPPED_DIRS = {
    ".venv", "target", "dbt_packages", "logs", "node_modules", ".git", "landing",
    "warehouse", ".dbt", "__pycache__", ".pytest_cache", ".ruff_cache",
}  # fmt: skip
ADR_REF = re.compile(r"docs/decisions/(\d{4})(-[A-Za-z0-9-]+\.md)?")
# README: "Section", README, section "Section", (README: Section)
README_QUOTED = re.compile(r"README(?:,? section)?:? [\"']([^\"']+)[\"']")
README_BARE = re.compile(r"\(README: ([^)\"]+)\)")


@cache
def scanned_files() -> tuple[Path, ...]:
    """The repository's hand-written text files (pruned walk: .venv is huge)."""
    files = []
    for folder, dirs, names in os.walk(ROOT):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for name in sorted(names):
            path = Path(folder) / name
            if (path.suffix in SUFFIXES or name in NAMES) and path != SELF:
                files.append(path)
    return tuple(files)


@cache
def flattened(path: Path) -> str:
    """The text with comment markers and line breaks collapsed to spaces, so a
    reference wrapped over two comment lines reads as one."""
    text = path.read_text(encoding="utf-8", errors="replace")
    text = re.sub(r"\n\s*(?:#|--|//|\*)?\s*", " ", text)
    return re.sub(r"\s+", " ", text)


def readme_sections() -> set[str]:
    headings = re.findall(r"^#{2,4} (.+)$", (ROOT / "README.md").read_text(), re.M)
    return {_normal(heading) for heading in headings}


def _normal(title: str) -> str:
    return re.sub(r"\s+", " ", title.replace("`", "")).strip().lower()


def adr_files() -> list[Path]:
    return sorted(p for p in DECISIONS.glob("*.md") if ADR_FILE.match(p.name))


def test_every_readme_section_reference_exists() -> None:
    sections = readme_sections()
    dangling = []
    for path in scanned_files():
        text = flattened(path)
        for title in README_QUOTED.findall(text) + README_BARE.findall(text):
            if _normal(title) not in sections:
                dangling.append(f"{path.relative_to(ROOT)}: README {title!r}")
    assert not dangling, f"references to README sections that do not exist: {dangling}"


def test_every_decision_record_reference_exists() -> None:
    names = {p.name for p in adr_files()}
    numbers = {p.name[:4] for p in adr_files()}
    dangling = []
    for path in scanned_files():
        for number, slug in ADR_REF.findall(flattened(path)):
            if number not in numbers or (slug and f"{number}{slug}" not in names):
                dangling.append(
                    f"{path.relative_to(ROOT)}: docs/decisions/{number}{slug}"
                )
    assert not dangling, f"references to decision records that do not exist: {dangling}"


def test_decision_records_are_the_only_markdown_besides_index_and_template() -> None:
    others = {p.name for p in DECISIONS.glob("*.md")} - {p.name for p in adr_files()}
    assert others == {"README.md", "template.md"}, (
        "docs/decisions/ holds NNNN-slug.md records, README.md and template.md: "
        f"{others}"
    )


@pytest.mark.parametrize("path", adr_files(), ids=lambda p: p.name)
def test_decision_record_has_the_template_heading(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    number = int(path.name[:4])
    assert lines[0].startswith(f"# {number}. "), (
        f"{path.name}: first line must be '# {number}. <decision>' (template.md)"
    )
    assert lines[2].startswith("Status: "), (
        f"{path.name}: third line must be 'Status: ...' (template.md)"
    )


def test_index_lists_every_record_once() -> None:
    index = (DECISIONS / "README.md").read_text(encoding="utf-8")
    linked = re.findall(r"^\| \[(\d{4})\]\((\d{4}-[a-z0-9-]+\.md)\)", index, re.M)
    assert all(number == name[:4] for number, name in linked), linked
    assert sorted(name for _, name in linked) == [p.name for p in adr_files()], (
        "docs/decisions/README.md must link every record once, in order"
    )
    numbers = [int(p.name[:4]) for p in adr_files()]
    assert len(set(numbers)) == len(numbers), f"two records share a number: {numbers}"
