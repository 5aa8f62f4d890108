"""The work of one task, as the engine sends it to a worker: pre-annotating a shard,
computing the units of a chunk of documents, reading a chunk of an input file.

Each function is pure in what it returns: it reads its inputs (from the project folder,
which workers on a cluster see at the same path, or from the task itself) and returns
what the driver writes; no worker writes to the project. Tasks are small frozen
dataclasses, so they travel to any worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from khabar import preannotate
from khabar.engine import alive_for_good, few_collections
from khabar.store import RawDocument, Store

# One annotator per process and recipe: loading the name lists takes a second or two,
# and a worker runs many shards.
_annotators: dict[tuple[str, str | None], preannotate.Annotator] = {}


def annotator(root: str, model: str | None) -> preannotate.Annotator:
    key = (root, model)
    found = _annotators.get(key)
    if found is None:
        from khabar import crf, project
        from khabar.workflow import load_annotator

        found = load_annotator(project.load(Path(root)))
        if model is not None:
            found = found.with_model(crf.Model.load(Path(model)))
        _annotators.clear()
        _annotators[key] = found
        alive_for_good()  # the lists live as long as the process: keep them out of collections
    return found


def remember(root: str, model: str | None, loaded: preannotate.Annotator) -> None:
    """Use an annotator already loaded in this process (the single-process path)."""
    _annotators.clear()
    _annotators[(root, model)] = loaded


@dataclass(frozen=True, slots=True)
class DraftTask:
    root: str
    shard: str
    model: str | None
    created: str
    ids: frozenset[str] | None = None

    def __str__(self) -> str:
        return f"shard {self.shard}"


@dataclass(frozen=True, slots=True)
class Drafted:
    shard: str
    text: str | None  # the shard's new drafts file; None when no draft changed
    documents: int = 0
    written: int = 0
    entities: int = 0
    events: int = 0
    seen: frozenset[str] = field(default_factory=frozenset)


def draft_shard(task: DraftTask) -> Drafted:
    """The pre-annotation layers of one shard's documents, as the shard's drafts file.
    A draft whose entities, events, text and annotator are unchanged is kept as it was."""
    from khabar import project

    store = project.load(Path(task.root)).store()
    found = annotator(task.root, task.model)
    drafts = store.shard_drafts(task.shard)
    documents = written = entities = events = 0
    seen = set()
    with few_collections():
        for doc in store.shard_documents(task.shard):
            if task.ids is not None and doc.id not in task.ids:
                continue
            seen.add(doc.id)
            documents += 1
            layer = preannotate.run(doc, found, created=task.created)
            entities += len(layer.entities)
            events += len(layer.events)
            old = drafts.get(doc.id)
            if (
                old is not None
                and layer.same_annotation(old)
                and old.provenance.version == layer.provenance.version
            ):
                continue  # the same draft by the same annotator: its file line stays as it was
            drafts[doc.id] = layer
            written += 1
    text = store.drafts_text(drafts.values()) if written else None
    return Drafted(task.shard, text, documents, written, entities, events, frozenset(seen))


@dataclass(frozen=True, slots=True)
class UnitTask:
    """Documents whose units are not cached: (key, stored lines) each."""

    scheme: Any  # khabar.scheme.Scheme
    pending: tuple[tuple[str, RawDocument], ...]

    def __str__(self) -> str:
        return f"documents {self.pending[0][0][:8]}… ({len(self.pending)})"


def unit_chunk(task: UnitTask) -> list[tuple[str, dict[str, Any], bytes, bytes]]:
    """(key, summary, packed summary, packed payload) of each document of the chunk."""
    from khabar.cache import pack
    from khabar.units import compute

    with few_collections():
        pairs = [Store.parse(raw) for _, raw in task.pending]
        results = compute(pairs, task.scheme)
    return [
        (key, summary, pack(summary), pack(payload))
        for (key, _), (summary, payload) in zip(task.pending, results, strict=True)
    ]
