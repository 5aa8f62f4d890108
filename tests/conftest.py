"""Shared fixtures: the scheme, the seed article (real news with its gold annotation),
split into paragraph documents when a test needs several, and projects made from them.
Helpers that are not fixtures live in tests/helpers.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from khabar.corpus import project
from khabar.corpus.project import Project
from khabar.corpus.scheme import Scheme
from tests.helpers import ROBUSTNESS, ROOT, SEED, Record, paragraphs, write_jsonl


@pytest.fixture(scope="session")
def scheme() -> Scheme:
    return Scheme.load(ROOT / "schemas" / "scheme.yaml")


@pytest.fixture
def seed_record() -> Record:
    record: Record = json.loads(SEED.read_text(encoding="utf-8"))
    return record


@pytest.fixture
def paragraph_records(seed_record: Record) -> list[Record]:
    return paragraphs(seed_record)


@pytest.fixture
def new_project(tmp_path: Path) -> Callable[..., Project]:
    """A fresh project, optionally with records ingested."""

    def make(records: list[Record] | None = None, name: str = "corpus") -> Project:
        made = project.init(tmp_path / name)
        if records:
            from khabar.formats.ingest import ingest_paths

            report = ingest_paths(made, [write_jsonl(tmp_path / f"{name}-input.jsonl", records)])
            assert not report.problems, report.problems
        return made

    return make


# --- the robustness summary -----------------------------------------------------------

# test_robustness.py counts what it tried and checked here; the table is printed at the end.


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if ROBUSTNESS:
        terminalreporter.section("robustness: what was tried, and what was checked afterwards")
        for what, count in ROBUSTNESS.items():
            terminalreporter.write_line(f"  {what:<62} {count:>7}")
