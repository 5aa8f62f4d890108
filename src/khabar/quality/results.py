"""Per-document results, computed once per content and cached: what validation and
releases need of each document.

A unit's summary holds the document's violations of the per-document rules, what the
corpus-wide rules need (sha256, simhash), the kind of layer a release publishes and the
counts; its payload holds the release rows (CoNLL-U text, ``ner``, ``documents`` and
``events`` rows). Documents are processed in chunks, so memory stays flat however large
the corpus; only documents whose stored lines changed are processed again.
"""

from __future__ import annotations

import functools
import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from khabar import __version__
from khabar.corpus.lines import RawDocument
from khabar.corpus.model import Document, Layer, best_layer
from khabar.corpus.project import Project
from khabar.corpus.scheme import Scheme
from khabar.corpus.store import Store
from khabar.formats import hf
from khabar.formats.conllu_format import document_lines
from khabar.formats.interchange import to_record
from khabar.quality.tables import build
from khabar.quality.validate import check_corpus, check_tables
from khabar.quality.violations import Report, Violation
from khabar.runtime.cache import UnitCache, pack, package_digest
from khabar.runtime.executor import Engine, Failed, failures, few_collections
from khabar.text.segmentation import segment

CHUNK = 500


@functools.cache
def code_version() -> str:
    """Every module, not only the ones validation uses: a run after khabar changed
    recomputes its units once, and none is ever read from an older checker."""
    return f"{__version__}/{package_digest()}"


def unit_key(doc_line: str, layer_lines: list[str], scheme: Scheme) -> str:
    digest = hashlib.sha256(f"{code_version()}\0{scheme.sha256}\0".encode())
    for line in (doc_line, *sorted(layer_lines)):
        digest.update(line.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def compute(
    pairs: list[tuple[Document, list[Layer]]], scheme: Scheme
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(summary, payload) of each document of a chunk."""
    chosen = {doc.id: best_layer(layers) for doc, layers in pairs}
    segments = {doc.id: segment(doc, chosen[doc.id]) for doc, _ in pairs}
    tables = build(pairs, segments=segments)
    violations: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for v in check_tables(tables, scheme):
        violations[v.doc_id].append(asdict(v))
    simhashes = dict(zip(tables.documents["doc_id"], tables.documents["simhash"], strict=True))
    out = []
    for doc, layers in pairs:
        layer = chosen[doc.id]
        sentences = segments[doc.id]
        summary: dict[str, Any] = {
            "doc_id": doc.id,
            "sha256": doc.sha256,
            "simhash": int(simhashes[doc.id]),
            "layer": layer.kind if layer else None,
            "reviews": sum(1 for x in layers if x.kind == "review"),
            "violations": violations.get(doc.id, []),
            "sentences": len(sentences),
            "tokens": sum(len(s.words) for s in sentences),
            "entities": dict(Counter(s.label for s in layer.entities)) if layer else {},
            "events": dict(Counter(e.type for e in layer.events)) if layer else {},
        }
        # a document with errors is never released: no rows to make (its labels may be unknown)
        payload: dict[str, Any] = (
            {}
            if any(v["severity"] == "error" for v in summary["violations"])
            else {
                "conllu": "".join(line + "\n" for line in document_lines(doc, layer, sentences)),
                "ner": hf.ner_rows(doc, sentences, scheme),
                "documents": [hf.document_row(doc, layer, to_record(doc, layer))],
                "events": hf.event_rows(doc, layer, sentences, scheme),
            }
        )
        out.append((summary, payload))
    return out


def collect(
    store: Store,
    scheme: Scheme,
    cache: UnitCache,
    *,
    description: str = "Checking documents",
    engine: Engine | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    """(key, summary) of every document, in document id order. Units missing from the
    cache are computed by the engine's workers a chunk at a time, and cached as each
    chunk finishes (an interrupted run keeps what it did)."""
    engine = engine or Engine()
    found: list[tuple[str, dict[str, Any]]] = []

    def chunks() -> Iterator[UnitTask]:
        pending: list[tuple[str, RawDocument]] = []
        for shard in store.shards():
            for raw in store.raw_shard(shard):
                key = unit_key(raw.line, raw.layer_lines, scheme)
                summary = cache.summary(key)
                if summary is not None:
                    found.append((key, summary))
                    continue
                pending.append((key, raw))
                if len(pending) >= CHUNK:
                    yield UnitTask(scheme, tuple(pending))
                    pending = []
        if pending:
            yield UnitTask(scheme, tuple(pending))

    failed: list[Failed] = []  # (results are written as they come, not kept)
    for finished in engine.map(
        unit_chunk, chunks(), description=description, total=store.count(), weight=lambda t: len(t.pending)
    ):
        if isinstance(finished.result, Failed):
            failed.append(finished.result)
            continue
        cache.put_packed([(key, summary, payload) for key, _, summary, payload in finished.result])
        found += [(key, summary) for key, summary, _, _ in finished.result]
    if (error := failures(failed, "chunks of documents")) is not None:
        raise error
    return sorted(found, key=lambda ks: ks[1]["doc_id"])


def report(summaries: list[dict[str, Any]]) -> Report:
    """The validation report of a corpus from its units' summaries."""
    violations = [Violation(**v) for s in summaries for v in s["violations"]]
    violations += check_corpus(
        [{"doc_id": s["doc_id"], "sha256": s["sha256"], "simhash": s["simhash"]} for s in summaries]
    )
    result = Report(violations=violations, documents=len(summaries))
    result.sort()
    return result


@dataclass(frozen=True, slots=True)
class UnitTask:
    """Documents whose units are not cached: (key, stored lines) each."""

    scheme: Any  # khabar.scheme.Scheme
    pending: tuple[tuple[str, RawDocument], ...]

    def __str__(self) -> str:
        return f"documents {self.pending[0][0][:8]}… ({len(self.pending)})"


def unit_chunk(task: UnitTask) -> list[tuple[str, dict[str, Any], bytes, bytes]]:
    """(key, summary, packed summary, packed payload) of each document of the chunk."""
    with few_collections():
        pairs = [Store.parse(raw) for _, raw in task.pending]
        results = compute(pairs, task.scheme)
    return [
        (key, summary, pack(summary), pack(payload))
        for (key, _), (summary, payload) in zip(task.pending, results, strict=True)
    ]


def validate_corpus(project: Project, *, engine: Engine | None = None) -> Report:
    """Check the whole corpus; documents unchanged since the last run are not checked again."""
    cache = project.cache()
    try:
        found = collect(project.store(), project.scheme(), cache, engine=engine)
        return report([summary for _, summary in found])
    finally:
        cache.close()
