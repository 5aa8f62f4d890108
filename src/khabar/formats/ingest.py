"""Ingest: input files read in input order (by workers, if there are several) and merged into the store.

A bad file or record is reported with its file and line and skipped; the rest of the
batch goes on, and nothing already in the corpus changes because of it.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from khabar.corpus.atomic import all_or_nothing
from khabar.corpus.lines import dumps
from khabar.corpus.model import Document, created_now
from khabar.corpus.project import Project, writes
from khabar.corpus.records import document_from_record, document_record, layer_from_record, layer_record
from khabar.corpus.scheme import Scheme
from khabar.corpus.store import Store, shard_of
from khabar.errors import writing_to
from khabar.formats.readers import (
    CONLL_SUFFIXES,
    MB,
    SUFFIXES,
    ConllOptions,
    Item,
    Note,
    Problem,
    ReadTask,
    files,
    read_task,
)
from khabar.runtime.executor import Engine, Failed

ASIDE_BUFFER = 32 * MB  # articles held before they are appended to their shards' files
JSONL_STRETCH = 16 * MB  # what one worker reads of a big JSON Lines file


@dataclass
class IngestReport:
    """What an ingest did: documents added, replaced and unchanged, gold layers written, what it refused."""

    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: int = 0
    gold_layers: int = 0
    problems: list[Problem] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    repaired: int = 0

    def summary(self) -> str:
        parts = [f"{len(self.added)} added", f"{self.unchanged} unchanged"]
        if self.replaced:
            parts.append(f"{len(self.replaced)} replaced")
        parts.append(f"{self.gold_layers} gold layers written")
        parts.append(f"{len(self.problems)} refused")
        return ", ".join(parts)


def ingest(
    store: Store,
    scheme: Scheme,
    paths: Iterable[Path],
    *,
    replace_changed: bool = False,
    source: str | None = None,
    conll: ConllOptions | None = None,
    engine: Engine | None = None,
    spill: Path | None = None,
) -> IngestReport:
    """Add the articles found in ``paths`` (files or folders) to ``store``.

    The same article again changes nothing. The same id with another text is refused
    unless ``replace_changed``; its layers stay, and validation reports them as made on
    another text. The same text under another id is refused.

    Articles stream through: each accepted one is set aside in a file of its shard under
    ``spill`` (a folder on the same disk; the system's temporary folder by default), then
    each shard of the store is rewritten once. Memory holds the ids and hashes of the
    corpus, not its texts, however big the input.
    """
    report = IngestReport()
    problems: list[tuple[int, Problem]] = []  # with their place in the input, to report in order
    known = store.document_hashes()
    by_text = {sha: doc_id for doc_id, sha in known.items()}
    first_seen: dict[str, str] = {}
    if spill is not None:
        spill.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=spill, prefix="ingest-") as folder:
        aside = _Aside(Path(folder))
        for seq, found in enumerate(read(paths, scheme, source=source, conll=conll, engine=engine)):
            if isinstance(found, Note):
                report.notes.append(found)
                report.repaired += found.repaired
                continue
            if isinstance(found, Problem):
                problems.append((seq, found))
                continue
            doc = found.doc
            refusal = _refusal(doc, found.where, known, by_text, first_seen, replace_changed)
            if refusal is not None:
                problems.append((seq, refusal))
                continue
            first_seen[doc.id] = found.where
            old_sha = known.get(doc.id)
            if old_sha is None:
                report.added.append(doc.id)
            elif old_sha == doc.sha256:
                report.unchanged += 1
            else:
                report.replaced.append(doc.id)
            by_text[doc.sha256] = doc.id
            if old_sha != doc.sha256:
                aside.add("documents", doc.id, document_record(doc))
            if found.gold is not None:
                aside.add("layers", doc.id, layer_record(found.gold))
        # every shard lands, or none does (a full disk leaves the store as it was)
        with all_or_nothing():
            for shard in aside.shards():
                store.put_documents(document_from_record(r) for r in aside.records("documents", shard))
                golds = [layer_from_record(r) for r in aside.records("layers", shard)]
                if not golds:
                    continue  # the shard's layers need not be read
                held = {
                    (x.doc_id, x.name): x for layers in store.shard_layers(shard).values() for x in layers
                }
                golds = [g for g in golds if not g.same_annotation(held.get((g.doc_id, g.name)))]
                report.gold_layers += store.put_layers(golds)
            store.record_ingested(report.added)
    report.problems = [problem for _, problem in sorted(problems, key=lambda p: p[0])]
    return report


def _refusal(
    doc: Document,
    where: str,
    known: dict[str, str],
    by_text: dict[str, str],
    first_seen: dict[str, str],
    replace_changed: bool,
) -> Problem | None:
    if doc.id in first_seen:
        return Problem(where, f"duplicate id {doc.id!r} (first at {first_seen[doc.id]})")
    owner = by_text.get(doc.sha256)
    if owner is not None and owner != doc.id:
        return Problem(
            where,
            f"the same text is already document {owner!r}",
            hint="ingest an article once; give it the same id to update it",
        )
    old_sha = known.get(doc.id)
    if old_sha is not None and old_sha != doc.sha256 and not replace_changed:
        return Problem(
            where,
            f"document {doc.id!r} exists with a different text",
            hint="pass --replace to replace it; its annotations will then need review",
        )
    return None


class _Aside:
    """Records set aside by shard in files of a folder, to be merged a shard at a time.
    Lines are buffered and appended a few MB at a time, one file open at once: a handle per
    shard and kind would be 512 open files, past some systems' limit."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.pending: dict[tuple[str, str], list[str]] = {}
        self.pending_size = 0
        self.written: set[str] = set()

    def add(self, kind: str, doc_id: str, record: dict[str, Any]) -> None:
        line = dumps(record) + "\n"
        self.pending.setdefault((kind, shard_of(doc_id)), []).append(line)
        self.pending_size += len(line)
        if self.pending_size > ASIDE_BUFFER:
            self._flush()

    def _flush(self) -> None:
        for (kind, shard), lines in self.pending.items():
            path = self.folder / f"{shard}.{kind}.jsonl"
            with writing_to(path), path.open("a", encoding="utf-8") as out:
                out.writelines(lines)
            self.written.add(shard)
        self.pending = {}
        self.pending_size = 0

    def shards(self) -> list[str]:
        self._flush()
        return sorted(self.written)

    def records(self, kind: str, shard: str) -> Iterator[dict[str, Any]]:
        path = self.folder / f"{shard}.{kind}.jsonl"
        if path.exists():
            with path.open(encoding="utf-8") as lines:
                for line in lines:
                    yield json.loads(line)


def read(
    paths: Iterable[Path],
    scheme: Scheme,
    *,
    source: str | None = None,
    conll: ConllOptions | None = None,
    engine: Engine | None = None,
) -> Iterator[Item | Problem]:
    """Documents (and gold layers) read from ``paths``, in input order, as a stream (a big
    JSON Lines file is read a stretch at a time); problems instead of exceptions. With an
    engine of several workers, files and stretches are read in parallel."""
    engine = engine or Engine()
    created = created_now()
    slots: list[Problem | ReadTask] = []
    for path in files(paths, CONLL_SUFFIXES if conll else SUFFIXES):
        if isinstance(path, Problem):
            slots.append(path)
        elif path.suffix == ".jsonl" and conll is None:  # big files: a stretch at a time
            slots += [
                ReadTask(path, scheme, source, None, created, start, end, line)
                for start, end, line in _stretches(path, JSONL_STRETCH)
            ]
        else:
            slots.append(ReadTask(path, scheme, source, conll, created))
    tasks = [(i, slot) for i, slot in enumerate(slots) if isinstance(slot, ReadTask)]
    # results come back in any order; they go out in input order, as soon as their turn comes
    waiting: dict[int, list[Item | Problem]] = {}
    turn = 0
    for done in engine.map(
        _indexed_read, tasks, description="Reading articles", total=len(tasks), weight=lambda _: 1
    ):
        index, task = done.task
        result = done.result
        waiting[index] = (
            [Problem(str(task), f"could not be read ({result.error})")]
            if isinstance(result, Failed)
            else result
        )
        while turn < len(slots) and (isinstance(slots[turn], Problem) or turn in waiting):
            slot = slots[turn]
            yield from [slot] if isinstance(slot, Problem) else waiting.pop(turn)
            turn += 1
    for slot in slots[turn:]:
        if isinstance(slot, Problem):
            yield slot


def _indexed_read(item: tuple[int, ReadTask]) -> list[Item | Problem]:
    return read_task(item[1])


def _stretches(path: Path, size: int) -> list[tuple[int, int, int]]:
    """(start, end, first line) of stretches of about ``size`` bytes of a file, cut at line
    ends; a very long line is passed over in pieces, never read whole."""
    try:
        total = path.stat().st_size
    except OSError:
        return [(0, 0, 1)]  # the worker reports the error
    found = []
    start, line = 0, 1
    with path.open("rb") as handle:
        while start < total:
            end = min(start + size, total)
            handle.seek(end)
            while end < total:
                piece = handle.readline(MB)
                end += len(piece)
                if not piece or piece.endswith(b"\n"):
                    break
            handle.seek(start)
            newlines = 0
            for offset in range(start, end, 8 * MB):
                newlines += handle.read(min(8 * MB, end - offset)).count(b"\n")
            found.append((start, end, line))
            start, line = end, line + newlines
    return found or [(0, 0, 1)]


@writes
def ingest_paths(
    project: Project,
    paths: Iterable[Path],
    *,
    replace: bool = False,
    source: str | None = None,
    conll: ConllOptions | None = None,
    engine: Engine | None = None,
) -> IngestReport:
    return ingest(
        project.store(),
        project.scheme(),
        paths,
        replace_changed=replace,
        source=source,
        conll=conll,
        engine=engine,
        spill=project.state_dir,
    )
