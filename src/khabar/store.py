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
from pathlib import Path
from typing import Any

import orjson

from khabar.errors import ProjectError
from khabar.model import Argument, Document, Event, Layer, Provenance, Span

SHARD_DIGITS = 2


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
    files that can be made again (machine drafts)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as out:
            out.write(raw)
            if durable:
                out.flush()
                os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    if sync_dir and durable:
        sync_directory(path.parent)


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
        for record in _read_lines(self.corpus_dir / f"{shard}.jsonl"):
            yield document_from_record(record)

    @property
    def drafts_dir(self) -> Path:
        return self.annotations_dir / "drafts"

    def _layer_dir(self, kind: str) -> Path:
        return self.drafts_dir if kind == "pre" else self.annotations_dir

    def shard_layers(self, shard: str) -> dict[str, list[Layer]]:
        """The layers of one shard (human work, then drafts), by document id."""
        by_doc: dict[str, list[Layer]] = defaultdict(list)
        for folder in (self.annotations_dir, self.drafts_dir):
            for record in _read_lines(folder / f"{shard}.jsonl"):
                layer = layer_from_record(record)
                by_doc[layer.doc_id].append(layer)
        return by_doc

    def raw_shard(self, shard: str) -> list[tuple[str, str, list[str]]]:
        """(doc id, document line, layer lines) of a shard, as stored: what a cache key is
        made of, read without parsing the JSON."""
        layers: dict[str, list[str]] = defaultdict(list)
        for folder in (self.annotations_dir, self.drafts_dir):
            for line in _raw_lines(folder / f"{shard}.jsonl"):
                layers[_line_id(line, '"doc_id":"')].append(line)
        return [
            (doc_id, line, layers.get(doc_id, []))
            for line in _raw_lines(self.corpus_dir / f"{shard}.jsonl")
            for doc_id in (_line_id(line, '"id":"'),)
        ]

    @staticmethod
    def parse(doc_line: str, layer_lines: list[str]) -> tuple[Document, list[Layer]]:
        """The document and layers of lines from ``raw_shard``."""
        return (
            document_from_record(json.loads(doc_line)),
            [layer_from_record(json.loads(line)) for line in layer_lines],
        )

    def shard_drafts(self, shard: str) -> dict[str, Layer]:
        """The draft (pre) layers of one shard, by document id."""
        return {r["doc_id"]: layer_from_record(r) for r in _read_lines(self.drafts_dir / f"{shard}.jsonl")}

    def items(self) -> Iterator[tuple[Document, list[Layer]]]:
        """Every document with its layers, one shard in memory at a time."""
        for shard in self.shards():
            layers = self.shard_layers(shard)
            for doc in self.shard_documents(shard):
                yield doc, layers.get(doc.id, [])

    def document(self, doc_id: str) -> Document | None:
        """One document, parsing only its own line of its shard."""
        for line in _raw_lines(self.corpus_dir / f"{shard_of(doc_id)}.jsonl"):
            if _line_id(line, '"id":"') == doc_id:
                return document_from_record(json.loads(line))
        return None

    def layers(self, doc_id: str) -> list[Layer]:
        return self.shard_layers(shard_of(doc_id)).get(doc_id, [])

    def document_hashes(self) -> dict[str, str]:
        """Document id -> sha256 of its text, for the whole corpus, read without parsing
        the texts (khabar writes ``{"id":...,"sha256":...`` first)."""
        hashes = {}
        for shard in self.shards():
            for line in _raw_lines(self.corpus_dir / f"{shard}.jsonl"):
                doc_id = _line_id(line, '"id":"')
                at = line.find('"sha256":"', len(doc_id) + 8, len(doc_id) + 20)
                hashes[doc_id] = line[at + 10 : at + 74] if at != -1 else json.loads(line)["sha256"]
        return hashes

    def count(self) -> int:
        return sum(1 for shard in self.shards() for _ in _raw_lines(self.corpus_dir / f"{shard}.jsonl"))

    # writing

    def put_documents(self, docs: Iterable[Document]) -> int:
        """Add or replace documents (by id); returns how many were new or different."""
        return _upsert(
            self.corpus_dir, ((d.id, d.id, document_record(d)) for d in docs), key=lambda r: r["id"]
        )

    def put_layers(self, layers: Iterable[Layer], *, keep_history: bool = False) -> int:
        """Add or replace layers (by document id and layer name); returns how many were
        new or different.

        With ``keep_history``, a replaced layer that differs is first appended to
        ``annotations/history/<shard>.jsonl``, so no version of human work is ever lost.
        """

        def save_history(shard: str, old: list[dict[str, Any]]) -> None:
            path = self.history_dir / f"{shard}.jsonl"
            before = path.read_text(encoding="utf-8") if path.exists() else ""
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
                key=lambda r: (r["doc_id"], r["name"]),
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
            layer_from_record(r)
            for r in _read_lines(self.history_dir / f"{shard_of(doc_id)}.jsonl")
            if r["doc_id"] == doc_id
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
            path.unlink(missing_ok=True)

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
                records = list(_read_lines(path))
                kept = [r for r in records if (r["doc_id"], r["name"]) not in drop]
                if len(kept) != len(records):
                    _write_shard(path, kept, key=lambda r: (r["doc_id"], r["name"]))


def _line_id(line: str, prefix: str) -> str:
    """The id in a record line, read without parsing it (khabar writes ``{"id":"..."``
    first, and ids need no escaping); a hand-edited line is parsed."""
    if line.startswith("{" + prefix):
        start = len(prefix) + 1
        return line[start : line.index('"', start)]
    record = json.loads(line)
    return str(record["doc_id" if prefix.startswith('"doc_id"') else "id"])


def _raw_lines(path: Path) -> Iterator[str]:
    if not path.exists():
        return
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield line


def _read_lines(path: Path) -> Iterator[dict[str, Any]]:
    for number, line in enumerate(_raw_lines(path), start=1):
        try:
            yield json.loads(line)
        except json.JSONDecodeError as err:
            raise ProjectError(
                f"{path}:{number}: the store holds a broken line ({err.msg})",
                hint="restore the file from git; khabar writes shards atomically",
            ) from err


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
        records = {key(r): r for r in _read_lines(path)}
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
        path.unlink(missing_ok=True)
        return
    atomic_write(path, "".join(dumps(r) + "\n" for r in lines), durable=durable)
