"""Shared fixtures: the seed article (real news with its gold annotation), split into
paragraph documents when a test needs several documents, and projects made from them."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from khabar.corpus import project
from khabar.corpus.project import Project
from khabar.corpus.scheme import Scheme

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "sources" / "seed-0001.json"

Record = dict[str, Any]


@pytest.fixture(scope="session")
def scheme() -> Scheme:
    return Scheme.load(ROOT / "schemas" / "scheme.yaml")


@pytest.fixture
def seed_record() -> Record:
    record: Record = json.loads(SEED.read_text(encoding="utf-8"))
    return record


def paragraphs(record: Record) -> list[Record]:
    """The seed article as one document per line, spans and events moved with their line."""
    out = []
    start = 0
    for number, line in enumerate(record["text"].split("\n"), start=1):
        end = start + len(line)

        def inside(item: Record, start: int = start, end: int = end) -> bool:
            return bool(start <= item["start"] and item["end"] <= end)

        def moved(item: Record, start: int = start) -> Record:
            return {**item, "start": item["start"] - start, "end": item["end"] - start}

        out.append(
            {
                "id": f"{record['id']}-p{number:02d}",
                "text": line,
                "entities": [moved(e) for e in record["entities"] if inside(e)],
                "events": [
                    {**ev, "trigger": moved(ev["trigger"]), "arguments": [moved(a) for a in ev["arguments"]]}
                    for ev in record["events"]
                    if inside(ev["trigger"])
                ],
            }
        )
        start = end + 1
    return out


@pytest.fixture
def paragraph_records(seed_record: Record) -> list[Record]:
    return paragraphs(seed_record)


def articles(count: int, gold_every: int = 3) -> list[Record]:
    """``count`` distinct articles made from the seed's paragraphs (each ends in its own
    number), every ``gold_every``-th with its gold spans."""
    base = [p for p in paragraphs(json.loads(SEED.read_text(encoding="utf-8"))) if p["text"].strip()]
    out = []
    for n in range(count):
        record = base[n % len(base)]
        text = f"{record['text']} ({n})"
        gold = n % gold_every == 0
        out.append(
            {**record, "id": f"art-{n:05d}", "text": text} if gold else {"id": f"art-{n:05d}", "text": text}
        )
    return out


UDVALIDATE = Path(sys.executable).parent / "udvalidate"


def udvalidate(*paths: Path | str) -> subprocess.CompletedProcess[str]:
    """The official UD validator on CoNLL-U files (level 2; the corpus has no syntax trees,
    so the head tests are left out)."""
    return subprocess.run(
        [
            str(UDVALIDATE),
            "--lang",
            "ar",
            "--level",
            "2",
            "--exclude",
            "invalid-head",
            "unknown-head",
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
    )


def entity_region(text: str, start: int, end: int, label: str, rid: str = "r1") -> dict[str, Any]:
    """A Label Studio result region labelling text[start:end]."""
    return {
        "id": rid,
        "from_name": "entity",
        "to_name": "text",
        "type": "labels",
        "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]},
    }


def write_jsonl(path: Path, records: list[Record]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


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
ROBUSTNESS: Counter[str] = Counter()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if ROBUSTNESS:
        terminalreporter.section("robustness: what was tried, and what was checked afterwards")
        for what, count in ROBUSTNESS.items():
            terminalreporter.write_line(f"  {what:<62} {count:>7}")
