"""Human review of a project: push drafts to Label Studio, pull annotations back,
document status, agreement between annotators and adjudication.

Local state (the document -> task map of the last push) lives in ``.khabar/studio``;
it is a cache, always checked against the tasks' own ``doc_id`` and ``sha256``.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from khabar.annotate import crf, models
from khabar.annotate.drafting import load_annotator
from khabar.corpus.atomic import atomic_write
from khabar.corpus.model import STATUSES, Document, Layer, Provenance, document_status
from khabar.corpus.project import Project, writes
from khabar.corpus.scheme import Scheme
from khabar.corpus.store import shard_of
from khabar.errors import KhabarError, StudioError
from khabar.formats.labelstudio import annotation_layer, label_config
from khabar.quality import agreement
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


@writes
def push(
    project: Project,
    *,
    ids: set[str] | None = None,
    status: str | None = None,
    limit: int | None = None,
    uncertain_first: str | None = None,
) -> PushReport:
    """Send documents (all, or chosen by id, status and limit) with their drafts as predictions.

    With ``uncertain_first`` (a model: latest, an id or a path), the documents the model is
    least sure of go first, so annotators see the most useful ones first (Label Studio
    shows tasks in the order they were made)."""
    if status is not None and status not in STATUSES:
        raise KhabarError(f"unknown status {status!r}", hint=f"statuses: {', '.join(STATUSES)}")
    client = connect(project)
    title = project_title(project)
    remote = client.project(title, project.scheme(), guidelines(project))
    pushed = _task_map(project)
    chosen: list[tuple[Document, Layer | None]] = []
    for doc, layers in project.store().items():
        if ids is not None and doc.id not in ids:
            continue
        if status is not None and document_status(layers, doc.id in pushed) != status:
            continue
        chosen.append((doc, next((x for x in layers if x.kind == "pre"), None)))
        if limit is not None and len(chosen) >= limit and uncertain_first is None:
            break
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
    report = client.push(remote, track(chosen, f"Pushing to {title}", total=len(chosen)))
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


@writes
def pull(project: Project, *, since: str | None = None) -> PullReport:
    """Read every annotation, check it, snap it to the guidelines and store it as a review layer."""
    client = connect(project)
    scheme = project.scheme()
    remote = client.project(project_title(project), scheme, guidelines(project))
    known = load_annotator(project).known
    report = PullReport()
    latest: dict[tuple[str, str], RemoteAnnotation] = {}
    for ann in client.annotations(remote, since=since):
        report.annotations += 1
        key = (ann.doc_id, ann.annotator)
        if key not in latest or latest[key].updated <= ann.updated:
            latest[key] = ann  # one review layer per annotator and document: the newest edit
    store = project.store()
    by_shard: dict[str, list[RemoteAnnotation]] = defaultdict(list)
    for ann in latest.values():
        by_shard[shard_of(ann.doc_id)].append(ann)
    for shard in track(sorted(by_shard), "Pulling annotations", total=len(by_shard)):
        docs = {d.id: d for d in store.shard_documents(shard)}
        layers = [x for x in (_review_layer(a, docs, scheme, report, known) for a in by_shard[shard]) if x]
        written = store.put_layers(layers, keep_history=True)  # unchanged layers are not rewritten
        report.written += written
        report.unchanged += len(layers) - written
    return report


def _review_layer(
    ann: RemoteAnnotation,
    docs: dict[str, Document],
    scheme: Scheme,
    report: PullReport,
    known: Callable[[str], bool],
) -> Layer | None:
    doc = docs.get(ann.doc_id)
    if doc is None:
        report.refused.append(Refusal(ann.doc_id, ann.task, ann.annotation, "no such document in the corpus"))
        return None
    if ann.sha256 != doc.sha256:
        report.refused.append(
            Refusal(
                ann.doc_id,
                ann.task,
                ann.annotation,
                "the task's text differs from the corpus text (sha256); its offsets would point elsewhere",
            )
        )
        return None
    provenance = Provenance(ann.annotator, created=ann.updated, task=ann.task, annotation=ann.annotation)
    try:
        layer = annotation_layer(doc, ann.results, scheme, provenance)
    except ValueError as err:
        report.refused.append(Refusal(ann.doc_id, ann.task, ann.annotation, str(err)))
        return None
    snapped = snap_layer(doc, layer, known)
    where = f"task {ann.task} annotation {ann.annotation} ({doc.id})"
    report.changes += [f"{where}: {change}" for change in snapped.changes]
    report.questions += [f"{where}: {question}" for question in snapped.questions]
    return snapped.layer


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


def start_local(project: Project, port: int = 8080) -> studio.LocalServer:
    try:
        return studio.start(studio_home(project), port=port)
    except OSError as err:
        raise StudioError(f"cannot start Label Studio: {err}") from err
