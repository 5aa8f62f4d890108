"""Input files read into documents, gold layers and problems: .txt, JSON Lines, .json and CoNLL/IOB.

A bad file or record becomes a :class:`Problem` that names its file and line; the other
records of the file are still read.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import BinaryIO

from khabar.corpus.model import Document, Layer, Provenance
from khabar.corpus.scheme import Scheme
from khabar.errors import InputError
from khabar.formats import iob
from khabar.formats.interchange import MAX_TEXT, check_text, derived_id, from_record

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


@dataclass(frozen=True, slots=True)
class Item:
    """A document read from ``where``, with the gold layer its record held, if any."""

    where: str
    doc: Document
    gold: Layer | None


@dataclass(frozen=True, slots=True)
class Problem:
    """A file or record refused: where it is, what is wrong and, where it helps, a hint."""

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
