"""Human review of a project: push drafts to Label Studio, pull annotations back,
document status, agreement between annotators and adjudication.

Local state (the document -> task map of the last push) lives in ``.khabar/studio``;
it is a cache, always checked against the tasks' own ``doc_id`` and ``sha256``.
"""

from __future__ import annotations

import json
import pickle
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from khabar.annotate import crf, models
from khabar.annotate.drafting import load_annotator
from khabar.corpus.atomic import atomic_write
from khabar.corpus.model import STATUSES, Document, Layer, Provenance, document_status
from khabar.corpus.project import Project, writes
from khabar.corpus.scheme import Scheme
from khabar.corpus.store import Store, shard_of
from khabar.errors import KhabarError, StudioError
from khabar.formats.labelstudio import annotation_layer, label_config
from khabar.formats.labelstudio_parts import document_layer, joined_layer, part_document, text_sha256
from khabar.quality import agreement
from khabar.runtime.executor import few_collections, long_lived
from khabar.runtime.progress import track
from khabar.studio import server as studio
from khabar.studio.client import PushReport, Refusal, RemoteAnnotation, Studio
from khabar.text.snapping import snap_layer


def studio_home(project: Project) -> Path:
    return project.state_dir / "studio"


def config_path(project: Project) -> Path:
    return project.schemas_dir / "labelstudio.xml"


def write_config(project: Project) -> Path:
    """Write schemas/labelstudio.xml, the labeling config generated from the scheme."""
    path = config_path(project)
    atomic_write(path, label_config(project.scheme()))
    return path


def config_is_current(project: Project) -> bool:
    path = config_path(project)
    return path.exists() and path.read_text(encoding="utf-8") == label_config(project.scheme())


def guidelines(project: Project) -> str:
    path = project.schemas_dir / "guidelines.md"
    return path.read_text(encoding="utf-8") if path.exists() else ""


def connect(project: Project) -> Studio:
    conn = studio.connection(studio_home(project), project.setting("labelstudio", "url"))
    client = Studio(conn.url, conn.api_key)
    client.check()
    return client


def project_title(project: Project) -> str:
    return str(project.setting("labelstudio", "project", f"khabar: {project.name}"))


def _task_map(project: Project) -> dict[str, int]:
    path = studio_home(project) / "tasks.json"
    return json.loads(path.read_text()) if path.exists() else {}


def statuses(project: Project) -> Counter[str]:
    pushed = _task_map(project)
    return Counter(document_status(layers, doc.id in pushed) for doc, layers in project.store().items())


def positions(project: Project) -> dict[str, int]:
    """Each document's place in the corpus (1, 2, ...): the order it was ingested in
    (``corpus/order.txt``). Documents of a corpus made before that order was kept come
    first, by publication date, then source and id (undated ones last among them)."""
    store = project.store()
    present = store.document_hashes()  # the ids, read without parsing the texts
    order = list(dict.fromkeys(doc_id for doc_id in store.ingest_order() if doc_id in present))
    earlier: list[tuple[str, str, str]] = []  # (date, source, id) of the documents not listed
    if len(order) < len(present):
        listed = set(order)
        earlier = sorted(
            (d.published or "\uffff", d.source or "", d.id) for d in store.documents() if d.id not in listed
        )
    ids = [doc_id for _, _, doc_id in earlier] + order
    return {doc_id: n for n, doc_id in enumerate(ids, start=1)}


@writes
def push(
    project: Project,
    *,
    ids: set[str] | None = None,
    status: str | None = None,
    limit: int | None = None,
    uncertain_first: str | None = None,
    task_size: int | None = None,
) -> PushReport:
    """Send documents (all, or chosen by id, status and limit) with their drafts as predictions,
    in corpus order (see ``positions``), each as one task or as tasks of ``task_size`` sentences.

    With ``uncertain_first`` (a model: latest, an id or a path), the documents the model is
    least sure of go first, so annotators see the most useful ones first (Label Studio
    shows tasks in the order they were made)."""
    if status is not None and status not in STATUSES:
        raise KhabarError(f"unknown status {status!r}", hint=f"statuses: {', '.join(STATUSES)}")
    if task_size is not None and task_size < 1:
        raise KhabarError(
            f"--task-size {task_size}: a task holds at least one sentence "
            "(e.g. --task-size 10; leave it out to send whole documents)"
        )
    client = connect(project)
    title = project_title(project)
    remote = client.project(title, project.scheme(), guidelines(project))
    pushed = _task_map(project)
    order = positions(project)
    chosen: list[tuple[Document, Layer | None]] = []
    for doc, layers in project.store().items():
        if ids is not None and doc.id not in ids:
            continue
        if status is not None and document_status(layers, doc.id in pushed) != status:
            continue
        chosen.append((doc, next((x for x in layers if x.kind == "pre"), None)))
    chosen.sort(key=lambda item: order[item[0].id])
    if uncertain_first is None and limit is not None:
        chosen = chosen[:limit]
    if uncertain_first is not None:
        annotator = load_annotator(project)
        model = models.resolve(project, uncertain_first)
        featurizer, tagger = model.tagging(annotator.entities)
        doubt = {doc.id: crf.predict(doc, featurizer, tagger)[1] for doc, _ in chosen}
        chosen.sort(key=lambda item: -doubt[item[0].id])
        chosen = chosen[:limit] if limit is not None else chosen
    if ids is not None:
        missing = ids - {doc.id for doc, _ in chosen}
        if missing and status is None:
            raise KhabarError(f"no such document: {', '.join(sorted(missing)[:5])}")
    report = client.push(
        remote,
        track(chosen, f"Pushing to {title}", total=len(chosen)),
        task_size=task_size,
        positions=order,
    )
    report.link = f"{client.url}/projects/{remote}/data"
    pushed.update(report.tasks)
    atomic_write(studio_home(project) / "tasks.json", json.dumps(pushed, sort_keys=True, indent=0))
    return report


@dataclass
class PullReport:
    annotations: int = 0
    written: int = 0
    unchanged: int = 0
    refused: list[Refusal] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    #: spans kept as the annotator drew them where a proclitic may belong outside: for the curator
    questions: list[str] = field(default_factory=list)
    #: documents cut into parts that an annotator has not finished: written when every part is
    incomplete: list[str] = field(default_factory=list)


@writes
def pull(project: Project, *, since: str | None = None) -> PullReport:
    """Read every annotation, check it, snap it to the guidelines and store it as a review layer.

    Annotations are read from the project's export a task at a time into a spill folder, one
    file per shard, and the shards are then written one by one: memory stays flat in the
    number of tasks."""
    with ThreadPoolExecutor(max_workers=1) as background:
        # the name lists load while Label Studio builds the export: seconds in which this
        # process only waits for the answer (the socket read lets go of the GIL)
        annotator = background.submit(load_annotator, project)
        client = connect(project)
        scheme = project.scheme()
        remote = client.project(project_title(project), scheme, guidelines(project))
        report = PullReport()
        store = project.store()
        project.state_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=project.state_dir, prefix="pull-") as folder:
            spill = Path(folder)
            shards = _spill(client.annotations(remote, since=since), spill, report)
            known = annotator.result().known
            # what lives on (the SDK, the name lists) is not walked by every collection, and
            # none runs inside a shard: their passes over the heap took 0.4 s of an 11 s pull
            with long_lived():
                for shard in track(shards, "Pulling annotations", total=len(shards)):
                    with few_collections():
                        _pull_shard(store, shard, spill / f"{shard}.pickle", scheme, report, known)
    return report


def _pull_shard(
    store: Store, shard: str, path: Path, scheme: Scheme, report: PullReport, known: Callable[[str], bool]
) -> None:
    docs = {d.id: d for d in store.shard_documents(shard)}
    layers = _shard_layers(path, docs, scheme, report, known)
    written = store.put_layers(layers, keep_history=True)  # unchanged layers are not rewritten
    report.written += written
    report.unchanged += len(layers) - written


def _spill(annotations: Iterable[RemoteAnnotation], folder: Path, report: PullReport) -> list[str]:
    """Write the annotations into ``folder``, a file per shard; returns the shards, sorted."""
    spilled: dict[str, BinaryIO] = {}
    try:
        for ann in annotations:
            report.annotations += 1
            shard = shard_of(ann.doc_id)
            if shard not in spilled:
                spilled[shard] = (folder / f"{shard}.pickle").open("wb")
            # pickle, not JSON: JSON (through dataclasses.asdict) took a quarter of the pull;
            # and safe here, as only this process writes and reads these files
            pickle.dump(ann, spilled[shard], protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        for handle in spilled.values():
            handle.close()
    return sorted(spilled)


def _spilled(path: Path) -> Iterator[RemoteAnnotation]:
    """The annotations ``pull`` spilled into ``path``, in the order they came."""
    with path.open("rb") as spill:
        while True:
            try:
                ann = pickle.load(spill)
            except EOFError:
                return
            yield ann


def _shard_layers(
    path: Path, docs: dict[str, Document], scheme: Scheme, report: PullReport, known: Callable[[str], bool]
) -> list[Layer]:
    """The review layers of one shard's annotations: per annotator and document, the newest
    edit of every part, joined once every part is there."""
    latest: dict[tuple[str, str, int], RemoteAnnotation] = {}
    for ann in _spilled(path):
        key = (ann.doc_id, ann.annotator, ann.part.index)
        if key not in latest or latest[key].updated <= ann.updated:
            latest[key] = ann  # one review per annotator and part: the newest edit
    by_review: dict[tuple[str, str], list[RemoteAnnotation]] = defaultdict(list)
    for (doc_id, annotator, _), ann in sorted(latest.items()):
        by_review[(doc_id, annotator)].append(ann)
    out = []
    for (doc_id, annotator), anns in by_review.items():
        count = anns[0].part.count
        if len(anns) != count or {a.part.count for a in anns} != {count}:
            done = ", ".join(a.part.label for a in anns)
            report.incomplete.append(
                f"{doc_id}: {annotator} has annotated part {done} of {count}; kept waiting"
            )
            continue
        parts = [_review_layer(a, docs, scheme, report) for a in anns]
        if any(x is None for x in parts):
            continue  # one part refused: nothing of this review is written
        layer = joined_layer([x for x in parts if x is not None])
        doc = docs[doc_id]
        snapped = snap_layer(doc, layer, known)
        where = "; ".join(f"task {a.task} annotation {a.annotation}" for a in anns) + f" ({doc.id})"
        report.changes += [f"{where}: {change}" for change in snapped.changes]
        report.questions += [f"{where}: {question}" for question in snapped.questions]
        out.append(snapped.layer)
    return out


def _review_layer(
    ann: RemoteAnnotation, docs: dict[str, Document], scheme: Scheme, report: PullReport
) -> Layer | None:
    """The layer of one annotation in its document's offsets, or None (and a refusal)."""
    doc = docs.get(ann.doc_id)

    def refuse(reason: str) -> None:
        report.refused.append(Refusal(ann.doc_id, ann.task, ann.annotation, reason))

    if doc is None:
        refuse("no such document in the corpus")
        return None
    if ann.sha256 != doc.sha256:
        part = f" (part {ann.part.label})" if ann.part.count > 1 else ""
        refuse(
            f"the document changed since this task{part} was pushed (sha256); "
            "its offsets would point elsewhere"
        )
        return None
    if ann.text_sha256 != text_sha256(doc, ann.part):
        refuse("the task's text differs from the corpus text (sha256); its offsets would point elsewhere")
        return None
    provenance = Provenance(ann.annotator, created=ann.updated, task=ann.task, annotation=ann.annotation)
    try:
        layer = annotation_layer(part_document(doc, ann.part), ann.results, scheme, provenance)
    except ValueError as err:
        refuse(str(err))
        return None
    return document_layer(doc, layer, ann.part)


def agreement_report(project: Project) -> list[agreement.PairAgreement]:
    return agreement.agreement(project.store().items(), project.scheme().entity_labels)


@writes
def adjudicate(
    project: Project, *, prefer: str | None = None, ids: set[str] | None = None
) -> tuple[int, list[agreement.Disagreement]]:
    """Write an adjudicated layer for every document with two or more reviews."""
    store = project.store()
    created = datetime.now(UTC).isoformat(timespec="seconds")
    written: list[Layer] = []
    disagreements: list[agreement.Disagreement] = []
    for doc, layers in store.items():
        reviews = [x for x in layers if x.kind == "review" and x.text_sha256 == doc.sha256]
        if len(reviews) < 2 or (ids is not None and doc.id not in ids):
            continue
        layer, found = agreement.adjudicate(doc, reviews, prefer=prefer, created=created)
        written.append(layer)
        disagreements += found
    store.put_layers(written, keep_history=True)
    return len(written), disagreements


def start_local(project: Project, port: int = 8080, host: str = studio.LOOPBACK) -> studio.LocalServer:
    """The project's own Label Studio, started (or found running) on ``host``:``port``."""
    try:
        return studio.start(studio_home(project), port=port, host=host)
    except OSError as err:
        raise StudioError(f"cannot start Label Studio: {err}") from err
