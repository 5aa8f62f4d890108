"""What pull and push do around the server, without one: the spill of annotations by shard,
the order tasks go in, and when the project is updated (tests/studio/test_studio_integration.py
runs them for real)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from khabar.corpus.project import Project
from khabar.corpus.scheme import Scheme
from khabar.corpus.store import shard_of
from khabar.formats.ingest import ingest_paths
from khabar.formats.labelstudio import instructions, label_config
from khabar.formats.labelstudio_parts import Part
from khabar.studio.client import RemoteAnnotation, Studio
from khabar.studio.sync import PullReport, _spill, _spilled, positions
from tests.helpers import Record, write_jsonl


def annotation(doc_id: str, annotation_id: int, label: str = "PER") -> RemoteAnnotation:
    value = {"start": 0, "end": 5, "text": "بوتين", "labels": [label]}
    result = {"id": "e1", "type": "labels", "value": value}
    return RemoteAnnotation(
        doc_id, annotation_id, annotation_id, "a@x", "2026-01-01", None, [result], Part(1, 1, 0, 5), "h"
    )


def test_spilled_annotations_come_back_by_shard_in_the_order_they_came(tmp_path: Path) -> None:
    anns = [annotation(f"doc-{k % 7}", k, label) for k in range(40) for label in ("PER", "مكان")]
    report = PullReport()
    shards = _spill(iter(anns), tmp_path, report)
    assert report.annotations == len(anns)
    assert shards == sorted({shard_of(a.doc_id) for a in anns})
    for shard in shards:
        came = [a for a in anns if shard_of(a.doc_id) == shard]
        assert list(_spilled(tmp_path / f"{shard}.pickle")) == came


def test_nothing_to_spill_is_no_shard(tmp_path: Path) -> None:
    assert _spill(iter([]), tmp_path, PullReport()) == []
    assert list(tmp_path.iterdir()) == []


class Projects:
    """The SDK's projects API, holding one project as the server keeps it."""

    def __init__(self, stored: dict[str, Any]) -> None:
        self.stored = SimpleNamespace(id=7, title="t", **stored)
        self.updates: list[dict[str, Any]] = []

    def list(self, title: str, page: int) -> Any:
        return SimpleNamespace(items=[self.stored], response=SimpleNamespace(count=1))

    def update(self, id: int, **fields: Any) -> None:
        self.updates.append(fields)


def studio(projects: Projects) -> Studio:
    made = Studio.__new__(Studio)
    made.url, made.client = "http://test", SimpleNamespace(projects=projects)
    return made


def test_a_project_kept_as_the_server_keeps_it_is_not_updated(scheme: Scheme) -> None:
    # the server drops the config's final newline, and keeps the instructions as sent
    kept = {"label_config": label_config(scheme).rstrip("\n"), "expert_instruction": instructions(scheme)}
    projects = Projects(kept)
    assert studio(projects).project("t", scheme) == 7
    assert projects.updates == []


@pytest.mark.parametrize(
    ("stored", "sent"),
    [
        ({"label_config": "<View/>"}, {"label_config", "expert_instruction", "show_instruction"}),
        ({"expert_instruction": "old"}, {"expert_instruction", "show_instruction"}),
    ],
)
def test_only_what_changed_is_sent(scheme: Scheme, stored: dict[str, str], sent: set[str]) -> None:
    current = {"label_config": label_config(scheme), "expert_instruction": instructions(scheme)}
    projects = Projects({**current, **stored})
    studio(projects).project("t", scheme)
    assert [set(u) for u in projects.updates] == [sent]
    assert projects.updates[0]["expert_instruction"] == instructions(scheme)
    assert projects.updates[0].get("label_config", label_config(scheme)) == label_config(scheme)


def test_tasks_are_placed_in_ingest_order_after_the_documents_that_predate_it(
    tmp_path: Path, new_project: Callable[..., Project], paragraph_records: list[Record]
) -> None:
    days = ["2024-03", "2024-01", "2024-02"]
    dated = [{**r, "published": day} for r, day in zip(paragraph_records[:3], days, strict=True)]
    made = new_project(dated)
    ids = [r["id"] for r in dated]
    assert positions(made) == {ids[0]: 1, ids[1]: 2, ids[2]: 3}  # as they came, not by date
    # a corpus made before the order was kept: its documents first, by date, then the new ones
    (made.corpus_dir / "order.txt").unlink()
    later = paragraph_records[3]
    ingest_paths(made, [write_jsonl(tmp_path / "later.jsonl", [later])])
    assert positions(made) == {ids[1]: 1, ids[2]: 2, ids[0]: 3, later["id"]: 4}
