"""The on-disk corpus: documents and annotation layers as sharded JSON Lines.

A document lives in ``corpus/<shard>.jsonl``, its human layers (review, gold,
adjudicated) in ``annotations/<shard>.jsonl`` and its machine drafts in
``annotations/drafts/<shard>.jsonl``, where the shard is the first two hex digits of the
sha1 of its id. Drafts live apart so that remaking them never rewrites a file that holds
human work. Lines are sorted, one record per line, so git diffs stay small and a
document is found by reading one shard. Every write replaces a whole shard atomically
(temporary file, fsync, rename): a crash leaves the old shard or the new one, never half.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

import orjson

from khabar.corpus.model import Argument, Document, Event, Layer, Provenance, Span
from khabar.errors import ProjectError, writing_to

SHARD_DIGITS = 2
T = TypeVar("T")


def _file_mode() -> int:
    # mkstemp creates 0600 files; give written files the mode open() would (0666 & ~umask)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


FILE_MODE = _file_mode()


def shard_of(doc_id: str) -> str:
    return hashlib.sha1(doc_id.encode("utf-8")).hexdigest()[:SHARD_DIGITS]


def sync_directory(folder: Path) -> None:
    """Make the renames in ``folder`` durable."""
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def atomic_write(path: Path, data: bytes | str, *, sync_dir: bool = True, durable: bool = True) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    With ``sync_dir=False`` the caller syncs the folder once after many writes. With
    ``durable=False`` nothing is forced to disk: still atomic for a crashed process, for
    files that can be made again (machine drafts). Inside :func:`all_or_nothing` the file
    is only staged. A full or read-only disk raises a one-line
    :class:`~khabar.errors.WriteError`, the temporary file removed."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with writing_to(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            os.fchmod(fd, FILE_MODE)
            with os.fdopen(fd, "wb") as out:
                out.write(raw)
                if durable:
                    out.flush()
                    os.fsync(out.fileno())
            if _staged is not None:
                _stage(path, Path(tmp))
                return
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        if sync_dir and durable:
            sync_directory(path.parent)


def remove_file(path: Path) -> None:
    """Delete ``path`` (staged inside :func:`all_or_nothing`)."""
    if _staged is not None:
        _stage(path, None)
    else:
        path.unlink(missing_ok=True)


# Files written inside all_or_nothing: path -> its staged new content (None: deleted).
_staged: dict[Path, Path | None] | None = None


def _stage(path: Path, tmp: Path | None) -> None:
    assert _staged is not None
    previous = _staged.get(path)
    if previous is not None:
        previous.unlink(missing_ok=True)
    _staged[path] = tmp


def _current(path: Path) -> Path | None:
    """Where the content of ``path`` is now: its staged version inside all_or_nothing."""
    if _staged is not None and path in _staged:
        return _staged[path]
    return path


@contextmanager
def all_or_nothing() -> Iterator[None]:
    """Every file written inside is staged beside its target and renamed into place only
    when the block ends without an error: a write that fails (a full disk) leaves every
    file as it was, and its staged files are removed."""
    global _staged
    if _staged is not None:  # nested: the outer block commits
        yield
        return
    staged: dict[Path, Path | None] = {}
    _staged = staged
    try:
        yield
    except BaseException:
        _staged = None
        for tmp in staged.values():
            if tmp is not None:
                tmp.unlink(missing_ok=True)
        raise
    _staged = None
    for path, tmp in staged.items():
        with writing_to(path):
            if tmp is None:
                path.unlink(missing_ok=True)
            else:
                os.replace(tmp, path)
    for folder in {path.parent for path in staged}:
        if folder.is_dir():
            sync_directory(folder)


def dumps(record: dict[str, Any]) -> str:
    """One JSON line: UTF-8 text as is (Arabic stays readable in diffs), no spaces."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


# --- records <-> model ----------------------------------------------------------------


def document_record(doc: Document) -> dict[str, Any]:
    record: dict[str, Any] = {"id": doc.id, "sha256": doc.sha256}
    for key in ("title", "url", "published", "source"):
        value = getattr(doc, key)
        if value is not None:
            record[key] = value
    record["text"] = doc.text
    return record


def document_from_record(record: dict[str, Any]) -> Document:
    return Document(
        id=record["id"],
        text=record["text"],
        title=record.get("title"),
        url=record.get("url"),
        published=record.get("published"),
        source=record.get("source"),
    )


def span_record(span: Span) -> dict[str, Any]:
    record: dict[str, Any] = {"start": span.start, "end": span.end, "label": span.label, "text": span.text}
    if span.score is not None:
        record["score"] = span.score
    if span.rule is not None:
        record["rule"] = span.rule
    return record


def span_from_record(record: dict[str, Any], label: str | None = None) -> Span:
    return Span(
        start=record["start"],
        end=record["end"],
        label=label if label is not None else record["label"],
        text=record["text"],
        score=record.get("score"),
        rule=record.get("rule"),
    )


def event_record(event: Event) -> dict[str, Any]:
    trigger = span_record(event.trigger)
    del trigger["label"]
    return {
        "type": event.type,
        "realis": event.realis,
        "trigger": trigger,
        "arguments": [{"role": a.role, "start": a.start, "end": a.end} for a in event.arguments],
    }


def event_from_record(record: dict[str, Any]) -> Event:
    return Event(
        trigger=span_from_record(record["trigger"], label=record["type"]),
        realis=record["realis"],
        arguments=tuple(Argument(a["role"], a["start"], a["end"]) for a in record.get("arguments", ())),
    )


def layer_record(layer: Layer) -> dict[str, Any]:
    provenance = {k: v for k, v in _provenance_items(layer.provenance) if v is not None}
    return {
        "doc_id": layer.doc_id,
        "name": layer.name,
        "kind": layer.kind,
        "text_sha256": layer.text_sha256,
        "provenance": provenance,
        # drafts (with score and rule) are written in bulk: one dict literal per span, no call
        "entities": [
            {
                "start": s.start,
                "end": s.end,
                "label": s.label,
                "text": s.text,
                "score": s.score,
                "rule": s.rule,
            }
            if s.score is not None and s.rule is not None
            else span_record(s)
            for s in layer.entities
        ],
        "events": [event_record(e) for e in layer.events],
    }


def _provenance_items(p: Provenance) -> Iterator[tuple[str, Any]]:
    for key in Provenance.__slots__:
        yield key, getattr(p, key)


def layer_from_record(record: dict[str, Any]) -> Layer:
    return Layer(
        doc_id=record["doc_id"],
        name=record["name"],
        kind=record["kind"],
        text_sha256=record["text_sha256"],
        provenance=Provenance(**record["provenance"]),
        entities=tuple(span_from_record(s) for s in record["entities"]),
        events=tuple(event_from_record(e) for e in record["events"]),
    )


# --- the store ------------------------------------------------------------------------


class RawDocument(NamedTuple):
    """A document's stored line and its layers' lines, with where each is (``file:line``:
    the document's first, then its layers')."""

    doc_id: str
    line: str
    layer_lines: list[str]
    where: tuple[str, ...]


def _document_key(record: dict[str, Any]) -> str:
    return str(record["id"])


def _layer_key_of(record: dict[str, Any]) -> tuple[str, str]:
    return str(record["doc_id"]), str(record["name"])


class Store:
    """Documents under ``corpus_dir``, their layers under ``annotations_dir``."""

    def __init__(self, corpus_dir: Path, annotations_dir: Path) -> None:
        self.corpus_dir = corpus_dir
        self.annotations_dir = annotations_dir

    # reading

    def shards(self) -> list[str]:
        """Shards that hold documents, in order."""
        return sorted(p.stem for p in self.corpus_dir.glob("*.jsonl"))

    def documents(self) -> Iterator[Document]:
        for shard in self.shards():
            yield from self.shard_documents(shard)

    def shard_documents(self, shard: str) -> Iterator[Document]:
        for where, record in _keyed(self.corpus_dir / f"{shard}.jsonl", _document_key).values():
            yield _loaded(where, document_from_record, record)

    @property
    def drafts_dir(self) -> Path:
        return self.annotations_dir / "drafts"

    def shard_layers(self, shard: str) -> dict[str, list[Layer]]:
        """The layers of one shard (human work, then drafts), by document id."""
        by_doc: dict[str, list[Layer]] = defaultdict(list)
        for folder in (self.annotations_dir, self.drafts_dir):
            for where, record in _keyed(folder / f"{shard}.jsonl", _layer_key_of).values():
                layer = _loaded(where, layer_from_record, record)
                by_doc[layer.doc_id].append(layer)
        return by_doc

    def raw_shard(self, shard: str) -> list[RawDocument]:
        """The lines of a shard's documents and their layers, as stored: what a cache key
        is made of, read without parsing the JSON. A document or layer stored twice is named."""
        layers: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for folder in (self.annotations_dir, self.drafts_dir):
            seen: dict[tuple[str, str], str] = {}
            for where, line in _raw_lines(folder / f"{shard}.jsonl"):
                key = _layer_key(line, where)
                if key in seen:
                    raise _twice(where, key, seen[key])
                seen[key] = where
                layers[key[0]].append((where, line))
        found: list[RawDocument] = []
        first: dict[str, str] = {}
        for where, line in _raw_lines(self.corpus_dir / f"{shard}.jsonl"):
            doc_id = _line_id(line, '"id":"', where)
            if doc_id in first:
                raise _twice(where, doc_id, first[doc_id])
            first[doc_id] = where
            own = layers.get(doc_id, [])
            found.append(RawDocument(doc_id, line, [x for _, x in own], (where, *(w for w, _ in own))))
        return found

    @staticmethod
    def parse(raw: RawDocument) -> tuple[Document, list[Layer]]:
        """The document and layers of lines from ``raw_shard``; a corrupt one is named."""
        doc_where, *layer_where = raw.where
        return (
            _loaded(doc_where, document_from_record, _parse(raw.line, doc_where)),
            [
                _loaded(where, layer_from_record, _parse(line, where))
                for where, line in zip(layer_where, raw.layer_lines, strict=True)
            ],
        )

    def shard_drafts(self, shard: str) -> dict[str, Layer]:
        """The draft (pre) layers of one shard, by document id."""
        return {
            key[0]: _loaded(where, layer_from_record, record)
            for key, (where, record) in _keyed(self.drafts_dir / f"{shard}.jsonl", _layer_key_of).items()
        }

    def items(self) -> Iterator[tuple[Document, list[Layer]]]:
        """Every document with its layers, one shard in memory at a time."""
        for shard in self.shards():
            layers = self.shard_layers(shard)
            for doc in self.shard_documents(shard):
                yield doc, layers.get(doc.id, [])

    def document(self, doc_id: str) -> Document | None:
        """One document, parsing only its own line of its shard."""
        for where, line in _raw_lines(self.corpus_dir / f"{shard_of(doc_id)}.jsonl"):
            if _line_id(line, '"id":"', where) == doc_id:
                return _loaded(where, document_from_record, _parse(line, where))
        return None

    def layers(self, doc_id: str) -> list[Layer]:
        return self.shard_layers(shard_of(doc_id)).get(doc_id, [])

    def document_hashes(self) -> dict[str, str]:
        """Document id -> sha256 of its text, for the whole corpus, read without parsing
        the texts (khabar writes ``{"id":...,"sha256":...`` first)."""
        hashes = {}
        for shard in self.shards():
            for where, line in _raw_lines(self.corpus_dir / f"{shard}.jsonl"):
                doc_id = _line_id(line, '"id":"', where)
                at = line.find('"sha256":"', len(doc_id) + 8, len(doc_id) + 20)
                if at != -1 and line[at + 74 : at + 75] == '"':
                    hashes[doc_id] = line[at + 10 : at + 74]
                else:
                    sha = _parse(line, where).get("sha256")
                    if not isinstance(sha, str):
                        raise broken(where, "the record is not what khabar writes (no 'sha256' string)")
                    hashes[doc_id] = sha
        return hashes

    def count(self) -> int:
        return sum(1 for shard in self.shards() for _ in _raw_lines(self.corpus_dir / f"{shard}.jsonl"))

    # writing

    def put_documents(self, docs: Iterable[Document]) -> int:
        """Add or replace documents (by id); returns how many were new or different."""
        return _upsert(self.corpus_dir, ((d.id, d.id, document_record(d)) for d in docs), key=_document_key)

    def put_layers(self, layers: Iterable[Layer], *, keep_history: bool = False) -> int:
        """Add or replace layers (by document id and layer name); returns how many were
        new or different.

        With ``keep_history``, a replaced layer that differs is first appended to
        ``annotations/history/<shard>.jsonl``, so no version of human work is ever lost.
        """

        def save_history(shard: str, old: list[dict[str, Any]]) -> None:
            path = self.history_dir / f"{shard}.jsonl"
            before = "".join(line for _, line in _raw_lines(path))
            # a run killed between saving history and replacing the layer saves it again
            # when run again: a version already kept is not kept twice
            kept = set(before.splitlines())
            lines = [line for line in dict.fromkeys(dumps(r) for r in old) if line not in kept]
            if lines:
                atomic_write(path, before + "".join(line + "\n" for line in lines))

        drafts: list[Layer] = []
        human: list[Layer] = []
        for layer in layers:
            (drafts if layer.kind == "pre" else human).append(layer)
        written = 0
        for folder, chosen, durable in (
            (self.annotations_dir, human, True),
            (self.drafts_dir, drafts, False),
        ):
            written += _upsert(
                folder,
                ((layer.doc_id, (layer.doc_id, layer.name), layer_record(layer)) for layer in chosen),
                key=_layer_key_of,
                before_replace=save_history if keep_history else None,
                durable=durable,
            )
        return written

    @property
    def history_dir(self) -> Path:
        return self.annotations_dir / "history"

    def history(self, doc_id: str) -> list[Layer]:
        """Earlier versions of a document's layers, oldest first."""
        return [
            _loaded(where, layer_from_record, r)
            for where, r in _read_lines(self.history_dir / f"{shard_of(doc_id)}.jsonl")
            if r.get("doc_id") == doc_id
        ]

    def remove_orphans(self) -> int:
        """Delete the temporary files of writes that a killed process never renamed into
        place (call it holding the project's lock: no write is under way)."""
        orphans = [
            p for root in (self.corpus_dir, self.annotations_dir) for p in root.rglob(".*.tmp") if p.is_file()
        ]
        for orphan in orphans:
            orphan.unlink(missing_ok=True)
        return len(orphans)

    @staticmethod
    def drafts_text(drafts: Iterable[Layer]) -> str:
        """The content of a shard's drafts file holding ``drafts``."""
        records = sorted((layer_record(layer) for layer in drafts), key=lambda r: (r["doc_id"], r["name"]))
        # Drafts are many and made by the machine: orjson writes them four times as fast as
        # json, and the same line as dumps() for what drafts hold (strings, integers and
        # scores of three decimals; the two differ on some floats, such as 1e-05).
        return "".join(orjson.dumps(r).decode() + "\n" for r in records)

    def write_drafts_text(self, shard: str, text: str) -> None:
        """Replace a shard's drafts file (drafts can be made again: not forced to disk)."""
        path = self.drafts_dir / f"{shard}.jsonl"
        if text:
            atomic_write(path, text, durable=False)
        else:
            remove_file(path)

    def shard_size(self, shard: str) -> int:
        """Bytes of a shard's documents (a measure of the work it is)."""
        path = self.corpus_dir / f"{shard}.jsonl"
        return path.stat().st_size if path.exists() else 0

    def shard_bytes(self, shard: str) -> tuple[bytes, bytes]:
        """The stored bytes of a shard's documents and drafts (what a draft stamp hashes)."""
        files = (self.corpus_dir / f"{shard}.jsonl", self.drafts_dir / f"{shard}.jsonl")
        return tuple(p.read_bytes() if p.exists() else b"" for p in files)  # type: ignore[return-value]

    def delete_layers(self, keys: Iterable[tuple[str, str]]) -> None:
        """Remove layers by (document id, layer name)."""
        by_shard: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for doc_id, name in keys:
            by_shard[shard_of(doc_id)].add((doc_id, name))
        for shard, drop in by_shard.items():
            for folder in (self.annotations_dir, self.drafts_dir):
                path = folder / f"{shard}.jsonl"
                records = _keyed(path, _layer_key_of)
                kept = [r for key, (_, r) in records.items() if key not in drop]
                if len(kept) != len(records):
                    _write_shard(path, kept, key=_layer_key_of)


class CorruptStoreError(ProjectError):
    """A stored line is not what khabar writes: cut short, not a JSON object, or a duplicate."""


def shown(path: Path) -> str:
    """``path`` as a user reads it: relative to the current folder when inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def broken(where: str, what: str) -> CorruptStoreError:
    """The error for a corrupt line at ``where`` (``file:line``)."""
    file = where.rsplit(":", 1)[0]
    return CorruptStoreError(
        f"{where}: {what}",
        hint=f"restore {file} from git (`git log -p -- {file}`), or run `khabar doctor --quarantine` "
        "to set the broken lines aside and keep the rest",
    )


def _line_id(line: str, prefix: str, where: str) -> str:
    """The id in a record line, read without parsing it (khabar writes ``{"id":"..."``
    first, and ids need no escaping); a hand-edited line is parsed."""
    if line.startswith("{" + prefix):
        start = len(prefix) + 1
        end = line.find('"', start)
        if end != -1:
            return line[start:end]
    key = "doc_id" if prefix.startswith('"doc_id"') else "id"
    value = _parse(line, where).get(key)
    if not isinstance(value, str):
        raise broken(where, f"the record is not what khabar writes (no {key!r} string)")
    return value


def _layer_key(line: str, where: str) -> tuple[str, str]:
    """(document id, layer name) of a layer line, read without parsing it when khabar wrote it."""
    doc_id = _line_id(line, '"doc_id":"', where)
    head = f'{{"doc_id":"{doc_id}","name":"'
    if line.startswith(head):
        end = line.find('"', len(head))
        if end != -1:
            return doc_id, line[len(head) : end]
    name = _parse(line, where).get("name")
    if not isinstance(name, str):
        raise broken(where, "the record is not what khabar writes (no 'name' string)")
    return doc_id, name


def _parse(line: str, where: str) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as err:
        cut = " (the line is cut short)" if err.pos >= len(line.rstrip()) else ""
        raise broken(where, f"not valid JSON: {err.msg} at column {err.colno}{cut}") from None
    if not isinstance(record, dict):
        raise broken(where, f"a {type(record).__name__} where a JSON object was expected")
    return record


def _raw_lines(path: Path) -> Iterator[tuple[str, str]]:
    """(``file:line``, line) of a stored file's non-blank lines, each checked to be UTF-8."""
    source = _current(path)
    if source is None or not source.exists():
        return
    name = shown(path)
    with source.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise broken(
                    f"{name}:{number}", f"not UTF-8 at byte {err.start} of the line (a character cut in two?)"
                ) from None
            if line.strip():
                yield f"{name}:{number}", line


def _read_lines(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(``file:line``, record) of a stored file, each a JSON object."""
    for where, line in _raw_lines(path):
        yield where, _parse(line, where)


def _keyed(path: Path, key: Callable[[dict[str, Any]], Any]) -> dict[Any, tuple[str, dict[str, Any]]]:
    """The records of a stored file by ``key``, with where each is; a key found twice is
    named with both lines."""
    records: dict[Any, tuple[str, dict[str, Any]]] = {}
    for where, record in _read_lines(path):
        try:
            found = key(record)
        except (KeyError, TypeError):
            raise broken(where, "the record is not what khabar writes (a field is missing)") from None
        if found in records:
            raise _twice(where, found, records[found][0])
        records[found] = (where, record)
    return records


def _twice(where: str, key: Any, first: str) -> CorruptStoreError:
    """The error for a document or layer stored a second time at ``where``."""
    what = f"layer {key[1]!r} of document {key[0]!r}" if isinstance(key, tuple) else f"document {key!r}"
    return broken(where, f"{what} stored twice (first at line {first.rsplit(':', 1)[1]})")


def _loaded(where: str, make: Callable[[dict[str, Any]], T], record: dict[str, Any]) -> T:
    """``make(record)``, a record that lacks a field or has one of the wrong type named."""
    try:
        return make(record)
    except (KeyError, TypeError, ValueError) as err:
        raise broken(where, f"the record is not what khabar writes ({type(err).__name__}: {err})") from None


def check_line(raw: bytes, where: str, kind: str) -> Any:
    """The key of one stored line (a document's id; a layer's document id and name), or a
    :class:`CorruptStoreError` saying what is wrong with it. ``kind`` is ``document``,
    ``layer`` or ``history``."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise broken(where, f"not UTF-8 at byte {err.start} of the line (a character cut in two?)") from None
    record = _parse(line, where)
    if kind == "document":
        _loaded(where, document_from_record, record)
        return _document_key(record)
    _loaded(where, layer_from_record, record)
    return _layer_key_of(record) if kind == "layer" else line


def _upsert(
    root: Path,
    items: Iterable[tuple[str, Any, dict[str, Any]]],
    key: Any,
    before_replace: Callable[[str, list[dict[str, Any]]], None] | None = None,
    durable: bool = True,
) -> int:
    """Write records into their shards; returns how many were new or different.

    A shard where nothing changed is not rewritten. ``before_replace(shard, old_records)``
    runs before a shard's different records replace old ones, so history is saved first.
    """
    by_shard: dict[str, dict[Any, dict[str, Any]]] = defaultdict(dict)
    for doc_id, item_key, record in items:
        by_shard[shard_of(doc_id)][item_key] = record
    changed = 0
    for shard, new in sorted(by_shard.items()):
        path = root / f"{shard}.jsonl"
        records = {k: r for k, (_, r) in _keyed(path, key).items()}
        different = {k: r for k, r in new.items() if records.get(k) != r}
        if not different:
            continue
        replaced = [records[k] for k in different if k in records]
        if replaced and before_replace is not None:
            before_replace(shard, replaced)
        changed += len(different)
        records.update(different)
        _write_shard(path, records.values(), key=key, durable=durable)
    return changed


def _write_shard(path: Path, records: Iterable[dict[str, Any]], key: Any, *, durable: bool = True) -> None:
    lines = sorted(records, key=key)
    if not lines:
        remove_file(path)
        return
    atomic_write(path, "".join(dumps(r) + "\n" for r in lines), durable=durable)
