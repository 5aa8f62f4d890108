"""Ingest: articles from .txt and interchange JSON (Lines) files into the corpus.

A bad file or record is reported with its file and line and skipped; the rest of the
batch goes on, and nothing already in the corpus changes because of it.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, BinaryIO

from khabar.corpus.model import Document, Layer, Provenance, created_now
from khabar.corpus.project import Project, writes
from khabar.corpus.scheme import Scheme
from khabar.corpus.store import (
    Store,
    all_or_nothing,
    document_from_record,
    document_record,
    dumps,
    layer_from_record,
    layer_record,
    shard_of,
)
from khabar.errors import InputError, writing_to
from khabar.formats import iob
from khabar.formats.interchange import MAX_TEXT, check_text, derived_id, from_record
from khabar.runtime.executor import Engine, Failed

SUFFIXES = (".txt", ".jsonl", ".json")
CONLL_SUFFIXES = (".conll", ".iob", ".bio", ".tsv", ".txt")
MB = 1 << 20
# Files are measured before they are read, so that a 300 MB file is refused without being
# loaded: an article's file, or a JSON Lines record, cannot be much bigger than the longest
# article's text (MAX_TEXT characters of up to 4 bytes). A .json file is parsed whole, so big
# batches belong in JSON Lines, which is read a line at a time.
MAX_ARTICLE = 4 * MAX_TEXT
MAX_RECORD = 2 * MAX_ARTICLE  # the text, its escapes and its spans
MAX_JSON_FILE = 64 * MB
MAX_CONLL_FILE = 256 * MB
ASIDE_BUFFER = 32 * MB  # articles held before they are appended to their shards' files
JSONL_STRETCH = 16 * MB  # what one worker reads of a big JSON Lines file


@dataclass(frozen=True, slots=True)
class Item:
    where: str
    doc: Document
    gold: Layer | None


@dataclass(frozen=True, slots=True)
class Problem:
    where: str
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" + (f" ({self.hint})" if self.hint else "")


@dataclass(frozen=True, slots=True)
class Note(Problem):
    """Something read differently than written (a repaired tag); the document went in."""

    repaired: int = 0  # I- tags without B- read as B-


@dataclass(frozen=True, slots=True)
class ConllOptions:
    """How to read CoNLL/IOB files (``khabar ingest --format conll``)."""

    tag_map: dict[str, str] = field(default_factory=dict)
    iob1: bool = False
    strict: bool = False
    sentences_per_document: int = 20


@dataclass
class IngestReport:
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


def files(paths: Iterable[Path], suffixes: tuple[str, ...] = SUFFIXES) -> Iterator[Path | Problem]:
    """The input files under ``paths``, folders walked in name order."""
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in suffixes)
            if not found:
                yield Problem(str(path), f"no {', '.join(suffixes)} files in this folder")
            yield from found
        elif not path.exists():
            yield Problem(str(path), "no such file or folder")
        elif suffixes == SUFFIXES and path.suffix not in SUFFIXES:
            yield Problem(
                str(path),
                f"unknown file type {path.suffix!r}",
                hint="ingest takes .txt articles and .jsonl or .json interchange files",
            )
        else:
            yield path


@dataclass(frozen=True, slots=True)
class ReadTask:
    """One input file, or a stretch of lines of a big JSON Lines file, for a worker."""

    path: Path
    scheme: Scheme
    source: str | None
    conll: ConllOptions | None
    created: str
    start: int = 0
    end: int | None = None  # byte offsets of the stretch (a whole file: 0 and None)
    first_line: int = 1

    def __str__(self) -> str:
        return f"{self.path}" + (f" from line {self.first_line}" if self.start else "")


def read_task(task: ReadTask) -> list[Item | Problem]:
    """What one task reads: documents and gold layers, problems instead of exceptions."""
    path = task.path
    provenance = Provenance(producer=f"import:{path.name}", created=task.created)
    if task.conll is not None:
        return list(_read_conll(path, task.scheme, provenance, task.source, task.conll))
    if path.suffix == ".txt":
        return list(_read_txt(path, task.source))
    if path.suffix == ".jsonl":
        return list(
            _read_jsonl(path, task.scheme, provenance, task.source, task.start, task.end, task.first_line)
        )
    return list(_read_json(path, task.scheme, provenance, task.source))


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


def _read_conll(
    path: Path, scheme: Scheme, provenance: Provenance, source: str | None, options: ConllOptions
) -> Iterator[Item | Problem]:
    try:
        text = _decode(_read_at_most(path, MAX_CONLL_FILE, "CoNLL file", "split it into parts"))
    except InputError as err:
        yield Problem(str(path), err.message, err.hint)
        return
    for number, parsed in enumerate(
        iob.read(
            text,
            path.stem,
            scheme.entity_labels,
            tag_map=options.tag_map,
            iob1=options.iob1,
            strict=options.strict,
            sentences_per_document=options.sentences_per_document,
        )
    ):
        where = f"{path}:{parsed.line}"
        if number == 0 and parsed.ended_at_punctuation:
            yield Note(
                str(path),
                "no blank line between sentences: each sentence ends after a . ! ? ؟ or … token",
            )
        if parsed.record is None:
            first = parsed.issues[0] if parsed.issues else None
            reason = f"line {first.line}: {first.message}" if first else "no tokens"
            more = f" (and {len(parsed.issues) - 1} more issues)" if len(parsed.issues) > 1 else ""
            yield Problem(
                where,
                f"document not read: {reason}{more}",
                hint="--strict refuses any issue" if options.strict else None,
            )
            continue
        for issue in parsed.issues:
            yield Note(f"{path}:{issue.line}", issue.message)
        if parsed.repaired:
            yield Note(
                where,
                f"read {parsed.repaired} I- tags without B- before them as B-",
                repaired=parsed.repaired,
            )
        yield _item(where, parsed.record, scheme, provenance, source)


def _read_txt(path: Path, source: str | None) -> Iterator[Item | Problem]:
    try:
        text = check_text(_decode(_read_at_most(path, MAX_ARTICLE, "article", "split it into articles")))
    except InputError as err:
        yield Problem(str(path), err.message, err.hint)
        return
    yield Item(str(path), Document(id=derived_id(text), text=text, source=source), None)


def _read_jsonl(
    path: Path,
    scheme: Scheme,
    provenance: Provenance,
    source: str | None,
    start: int = 0,
    end: int | None = None,
    first_line: int = 1,
) -> Iterator[Item | Problem]:
    try:
        handle = path.open("rb")
    except OSError as err:
        yield Problem(str(path), f"cannot read the file ({err.strerror})")
        return
    with handle:
        handle.seek(start)
        budget = (end if end is not None else path.stat().st_size) - start
        for number, line in enumerate(_lines(handle, MAX_RECORD, budget), start=first_line):
            where = f"{path}:{number}"
            if line is None:
                yield Problem(
                    where,
                    f"the line is longer than {MAX_RECORD // MB} MB",
                    hint="one record is one article; split long texts into articles",
                )
                continue
            if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            if not line.strip():
                continue
            try:
                obj = _parse_json(_decode(line))
            except InputError as err:
                yield Problem(where, err.message, err.hint)
                continue
            yield _item(where, obj, scheme, provenance, source)


def _lines(handle: BinaryIO, limit: int, budget: int) -> Iterator[bytes | None]:
    """The lines in the next ``budget`` bytes of a file, None for a line longer than
    ``limit`` bytes (read past, not kept)."""
    while budget > 0:
        line = handle.readline(limit + 1)
        if not line:
            return
        budget -= len(line)
        if len(line) > limit and not line.endswith(b"\n"):
            while line and not line.endswith(b"\n"):
                line = handle.readline(MB)
                budget -= len(line)
            yield None
            continue
        yield line


def _read_at_most(path: Path, limit: int, what: str, hint: str) -> bytes:
    """A file's bytes, refused (before reading) when it is bigger than ``limit``."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise InputError(
                f"the {what} is {size / MB:.0f} MB, more than the {limit // MB} MB khabar reads", hint=hint
            )
        return path.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read the file ({err.strerror})") from err


def _read_json(
    path: Path, scheme: Scheme, provenance: Provenance, source: str | None
) -> Iterator[Item | Problem]:
    try:
        raw = _read_at_most(path, MAX_JSON_FILE, ".json file", "write big batches as JSON Lines (.jsonl)")
        obj = _parse_json(_decode(raw))
    except InputError as err:
        yield Problem(str(path), err.message, err.hint)
        return
    records = obj if isinstance(obj, list) else [obj]
    for i, record in enumerate(records):
        where = f"{path}[{i}]" if isinstance(obj, list) else str(path)
        yield _item(where, record, scheme, provenance, source)


def _item(
    where: str, obj: object, scheme: Scheme, provenance: Provenance, source: str | None
) -> Item | Problem:
    try:
        doc, gold = from_record(obj, scheme, provenance=provenance)
    except InputError as err:
        return Problem(where, err.message, err.hint)
    if doc.source is None and source is not None:
        doc = replace(doc, source=source)
    return Item(where, doc, gold)


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(
            f"not UTF-8 (byte 0x{raw[err.start]:02x} at byte offset {err.start})",
            hint="convert the file to UTF-8, for example with iconv -f WINDOWS-1256 -t UTF-8",
        ) from err


SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _parse_json(text: str) -> object:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"not valid JSON ({err.msg} at column {err.colno})") from err
    except RecursionError as err:
        raise InputError("JSON nested too deeply") from err
    if SURROGATE_ESCAPE.search(text):  # a \ud800 escape without its pair is no character
        try:
            json.dumps(obj, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as err:
            raise InputError(
                f"a \\u escape makes a lone surrogate ({err.object[err.start]!r}), which is no character",
                hint="escape characters outside the BMP as a pair (\\ud83d\\ude00) or write them as UTF-8",
            ) from err
    return obj


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
