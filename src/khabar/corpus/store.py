"""The on-disk corpus: documents and annotation layers as sharded JSON Lines.

A document lives in ``corpus/<shard>.jsonl``, its human layers (review, gold,
adjudicated) in ``annotations/<shard>.jsonl`` and its machine drafts in
``annotations/drafts/<shard>.jsonl``, where the shard is the first two hex digits of the
sha1 of its id; ``corpus/order.txt`` lists the ids in the order they were ingested.
Drafts live apart so that remaking them never rewrites a file that holds
human work. Lines are sorted, one record per line, so git diffs stay small and a
document is found by reading one shard. Every write replaces a whole shard atomically
(temporary file, fsync, rename): a crash leaves the old shard or the new one, never half.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import orjson

from khabar.corpus.atomic import atomic_write, remove_file
from khabar.corpus.lines import (
    RawDocument,
    broken,
    dumps,
    keyed,
    line_id,
    line_layer_key,
    loaded,
    parse_line,
    raw_lines,
    read_lines,
    stored_twice,
)
from khabar.corpus.model import Document, Layer
from khabar.corpus.records import (
    document_from_record,
    document_key,
    document_record,
    layer_from_record,
    layer_key,
    layer_record,
)

SHARD_DIGITS = 2
ORDER_FILE = "order.txt"  # in corpus/: one id a line, in the order documents came in


def shard_of(doc_id: str) -> str:
    return hashlib.sha1(doc_id.encode("utf-8")).hexdigest()[:SHARD_DIGITS]


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
        for where, record in keyed(self.corpus_dir / f"{shard}.jsonl", document_key).values():
            yield loaded(where, document_from_record, record)

    @property
    def drafts_dir(self) -> Path:
        return self.annotations_dir / "drafts"

    def shard_layers(self, shard: str) -> dict[str, list[Layer]]:
        """The layers of one shard (human work, then drafts), by document id."""
        by_doc: dict[str, list[Layer]] = defaultdict(list)
        for folder in (self.annotations_dir, self.drafts_dir):
            for where, record in keyed(folder / f"{shard}.jsonl", layer_key).values():
                layer = loaded(where, layer_from_record, record)
                by_doc[layer.doc_id].append(layer)
        return by_doc

    def raw_shard(self, shard: str) -> list[RawDocument]:
        """The lines of a shard's documents and their layers, as stored: what a cache key
        is made of, read without parsing the JSON. A document or layer stored twice is named."""
        layers: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for folder in (self.annotations_dir, self.drafts_dir):
            seen: dict[tuple[str, str], str] = {}
            for where, line in raw_lines(folder / f"{shard}.jsonl"):
                key = line_layer_key(line, where)
                if key in seen:
                    raise stored_twice(where, key, seen[key])
                seen[key] = where
                layers[key[0]].append((where, line))
        found: list[RawDocument] = []
        first: dict[str, str] = {}
        for where, line in raw_lines(self.corpus_dir / f"{shard}.jsonl"):
            doc_id = line_id(line, '"id":"', where)
            if doc_id in first:
                raise stored_twice(where, doc_id, first[doc_id])
            first[doc_id] = where
            own = layers.get(doc_id, [])
            found.append(RawDocument(doc_id, line, [x for _, x in own], (where, *(w for w, _ in own))))
        return found

    @staticmethod
    def parse(raw: RawDocument) -> tuple[Document, list[Layer]]:
        """The document and layers of lines from ``raw_shard``; a corrupt one is named."""
        doc_where, *layer_where = raw.where
        return (
            loaded(doc_where, document_from_record, parse_line(raw.line, doc_where)),
            [
                loaded(where, layer_from_record, parse_line(line, where))
                for where, line in zip(layer_where, raw.layer_lines, strict=True)
            ],
        )

    def shard_drafts(self, shard: str) -> dict[str, Layer]:
        """The draft (pre) layers of one shard, by document id."""
        return {
            key[0]: loaded(where, layer_from_record, record)
            for key, (where, record) in keyed(self.drafts_dir / f"{shard}.jsonl", layer_key).items()
        }

    def items(self) -> Iterator[tuple[Document, list[Layer]]]:
        """Every document with its layers, one shard in memory at a time."""
        for shard in self.shards():
            layers = self.shard_layers(shard)
            for doc in self.shard_documents(shard):
                yield doc, layers.get(doc.id, [])

    def document(self, doc_id: str) -> Document | None:
        """One document, parsing only its own line of its shard."""
        for where, line in raw_lines(self.corpus_dir / f"{shard_of(doc_id)}.jsonl"):
            if line_id(line, '"id":"', where) == doc_id:
                return loaded(where, document_from_record, parse_line(line, where))
        return None

    def layers(self, doc_id: str) -> list[Layer]:
        return self.shard_layers(shard_of(doc_id)).get(doc_id, [])

    def document_hashes(self) -> dict[str, str]:
        """Document id -> sha256 of its text, for the whole corpus, read without parsing
        the texts (khabar writes ``{"id":...,"sha256":...`` first)."""
        hashes = {}
        for shard in self.shards():
            for where, line in raw_lines(self.corpus_dir / f"{shard}.jsonl"):
                doc_id = line_id(line, '"id":"', where)
                at = line.find('"sha256":"', len(doc_id) + 8, len(doc_id) + 20)
                if at != -1 and line[at + 74 : at + 75] == '"':
                    hashes[doc_id] = line[at + 10 : at + 74]
                else:
                    sha = parse_line(line, where).get("sha256")
                    if not isinstance(sha, str):
                        raise broken(where, "the record is not what khabar writes (no 'sha256' string)")
                    hashes[doc_id] = sha
        return hashes

    def ingest_order(self) -> list[str]:
        """The ids in the order they were first ingested (documents of a corpus made before
        the order was kept are not listed)."""
        return [line.strip() for _, line in raw_lines(self.corpus_dir / ORDER_FILE)]

    def count(self) -> int:
        return sum(1 for shard in self.shards() for _ in raw_lines(self.corpus_dir / f"{shard}.jsonl"))

    # writing

    def record_ingested(self, ids: Iterable[str]) -> None:
        """Add ``ids``, just ingested, to the end of the ingest order (those listed already
        keep their place: a document replaced by a new text came in when it first came)."""
        path = self.corpus_dir / ORDER_FILE
        listed = self.ingest_order()
        before = "".join(doc_id + "\n" for doc_id in listed)
        listed_ids = set(listed)
        new = [doc_id for doc_id in dict.fromkeys(ids) if doc_id not in listed_ids]
        if new:
            atomic_write(path, before + "".join(doc_id + "\n" for doc_id in new))

    def put_documents(self, docs: Iterable[Document]) -> int:
        """Add or replace documents (by id); returns how many were new or different."""
        return _upsert(self.corpus_dir, ((d.id, d.id, document_record(d)) for d in docs), key=document_key)

    def put_layers(self, layers: Iterable[Layer], *, keep_history: bool = False) -> int:
        """Add or replace layers (by document id and layer name); returns how many were
        new or different.

        With ``keep_history``, a replaced layer that differs is first appended to
        ``annotations/history/<shard>.jsonl``, so no version of human work is ever lost.
        """

        def save_history(shard: str, old: list[dict[str, Any]]) -> None:
            path = self.history_dir / f"{shard}.jsonl"
            before = "".join(line for _, line in raw_lines(path))
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
                key=layer_key,
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
            loaded(where, layer_from_record, r)
            for where, r in read_lines(self.history_dir / f"{shard_of(doc_id)}.jsonl")
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
                records = keyed(path, layer_key)
                kept = [r for key, (_, r) in records.items() if key not in drop]
                if len(kept) != len(records):
                    _write_shard(path, kept, key=layer_key)


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
        records = {k: r for k, (_, r) in keyed(path, key).items()}
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
