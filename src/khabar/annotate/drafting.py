"""Drafting a project's corpus: the pre-annotation of every shard, by worker processes.

Each function is pure in what it returns: it reads its inputs (from the project folder,
which workers on a cluster see at the same path, or from the task itself) and returns
what the driver writes; no worker writes to the project. Tasks are small frozen
dataclasses, so they travel to any worker.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from khabar.annotate import crf, models, preannotate
from khabar.corpus import project
from khabar.corpus.model import created_now
from khabar.corpus.project import Project, writes
from khabar.corpus.store import Store
from khabar.errors import KhabarError
from khabar.runtime.executor import Engine, Failed, alive_for_good, failures, few_collections, long_lived

# One annotator per process and recipe: loading the name lists takes a second or two,
# and a worker runs many shards.
_annotators: dict[tuple[str, str | None], preannotate.Annotator] = {}


def annotator(root: str, model: str | None) -> preannotate.Annotator:
    key = (root, model)
    found = _annotators.get(key)
    if found is None:
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
    from khabar.corpus import project

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
class PreannotateResult:
    documents: int
    written: int
    entities: int
    events: int
    skipped_shards: int = 0


def load_annotator(project: Project) -> preannotate.Annotator:
    """The pre-annotator with the project's own name lists (``gazetteers/*.yaml``) added."""
    return preannotate.Annotator.load(project_lists=project.root / "gazetteers", scheme=project.scheme())


@writes
def preannotate_corpus(
    project: Project, *, ids: set[str] | None = None, model: str | None = None, engine: Engine | None = None
) -> PreannotateResult:
    """Write the ``pre`` layer of every document (or of ``ids``); unchanged drafts stay as they are.

    Shards go to the engine's workers; each shard's drafts file is rewritten once, only if
    a draft changed. A shard already drafted from the same documents by the same
    annotator (a stamp in the project's cache) is skipped, so an interrupted run resumes
    where it stopped. Human layers are not touched.
    """
    engine = engine or Engine()
    store = project.store()
    annotator = load_annotator(project)
    model_path = None
    if model is not None:
        trained = models.resolve(project, model)
        annotator = annotator.with_model(trained)
        model_path = str(trained.path.resolve())
    root = str(project.root)
    remember(root, model_path, annotator)
    created = created_now()
    wanted = frozenset(ids) if ids is not None else None
    cache = project.cache()
    tasks = []
    skipped = 0
    for shard in store.shards():
        if wanted is None and cache.has_stamp(_draft_stamp(store, shard, annotator.version)):
            skipped += 1
            continue
        tasks.append(DraftTask(root, shard, model_path, created, wanted))
    failed: list[Failed] = []  # (results are written as they come, not kept)
    documents = written = entities = events = 0
    seen: set[str] = set()
    try:
        with long_lived():
            for finished in engine.map(
                draft_shard,
                tasks,
                description="Pre-annotating",
                total=sum(store.shard_size(task.shard) for task in tasks),
                weight=lambda task: store.shard_size(task.shard),
            ):
                result = finished.result
                if isinstance(result, Failed):
                    failed.append(result)
                    continue
                if result.text is not None:
                    store.write_drafts_text(result.shard, result.text)
                if wanted is None:
                    cache.put_stamp(_draft_stamp(store, result.shard, annotator.version))
                documents += result.documents
                written += result.written
                entities += result.entities
                events += result.events
                seen |= result.seen
    finally:
        cache.close()
    if (error := failures(failed, "shards")) is not None:
        raise error
    if wanted is not None and wanted - seen:
        missing = sorted(wanted - seen)
        raise KhabarError(f"no such document: {', '.join(missing[:5])}", hint="`khabar export` lists the ids")
    return PreannotateResult(documents, written, entities, events, skipped)


def _draft_stamp(store: Store, shard: str, version: str) -> str:
    digest = hashlib.sha256(f"drafts\0{version}\0".encode())
    for data in store.shard_bytes(shard):
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()
