"""The interchange format (README, Formats): one JSON object per document.

    {"id", "text", "title"?, "url"?, "published"?, "source"?,
     "entities": [{"start", "end", "label", "text"}],
     "events": [{"type", "realis", "trigger": {"start", "end", "text"},
                 "arguments": [{"role", "start", "end", "text"}]}]}

Offsets are Python str indices into "text". Import checks every record on its own
(offsets, span texts, labels); rules across records belong to ``khabar.validate``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from khabar.corpus.atomic import atomic_write
from khabar.corpus.lines import dumps
from khabar.corpus.model import Argument, Document, Event, Layer, Provenance, Span, best_layer, text_sha256
from khabar.corpus.project import Project
from khabar.corpus.scheme import Scheme
from khabar.errors import InputError
from khabar.text.analysis import canonical, canonical_offsets

ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
METADATA = ("title", "url", "published", "source")
# One article is a news article: anything longer is a book, a dump or a mistake, and would
# make a Label Studio task nobody can open.
MAX_TEXT = 4_000_000  # characters


def check_id(doc_id: object) -> str:
    """A document id: it names files, sentence ids and URLs, so it stays plain."""
    if not isinstance(doc_id, str):
        raise InputError(f"id must be a string, got {type(doc_id).__name__}")
    if not ID.fullmatch(doc_id) or ".." in doc_id:
        raise InputError(
            f"id {doc_id!r} is not allowed",
            hint="use 1-128 characters A-Z a-z 0-9 . _ - starting with a letter or digit, without '..'",
        )
    return doc_id


def derived_id(text: str) -> str:
    """The id of an article that came without one: a hash of its canonical text."""
    return "doc-" + text_sha256(text)[:16]


def check_text(raw: object) -> str:
    if not isinstance(raw, str):
        raise InputError(f"text must be a string, got {type(raw).__name__}")
    if "\x00" in raw:
        raise InputError("text contains a NUL character", hint="the file is probably binary or mis-encoded")
    if len(raw) > MAX_TEXT:
        raise InputError(
            f"the article has {len(raw):,} characters, more than the {MAX_TEXT:,} of one article",
            hint="split it into articles",
        )
    text = canonical(raw)
    if not text:
        raise InputError("the article is empty (nothing but white space)")
    return text


def from_record(obj: object, scheme: Scheme, *, provenance: Provenance) -> tuple[Document, Layer | None]:
    """A document and, when the record carries entities or events, its gold layer."""
    if not isinstance(obj, dict):
        raise InputError(f"expected a JSON object with id and text, got {type(obj).__name__}")
    raw = obj.get("text")
    text = check_text(raw)
    assert isinstance(raw, str)
    doc_id = check_id(obj["id"]) if obj.get("id") is not None else derived_id(text)
    metadata = {}
    for key in METADATA:
        value = obj.get(key)
        if value is not None and not isinstance(value, str):
            raise InputError(f"{key} must be a string, got {type(value).__name__}")
        metadata[key] = value
    doc = Document(id=doc_id, text=text, **metadata)
    if "entities" not in obj and "events" not in obj:
        return doc, None
    move = _Mover(raw, text)
    entities = tuple(
        _span(item, f"entity {i}", move, scheme.entity_labels, "entities")
        for i, item in enumerate(_list(obj, "entities"))
    )
    events = tuple(_event(item, i, move, scheme) for i, item in enumerate(_list(obj, "events")))
    layer = Layer(doc.id, "gold", "gold", doc.sha256, provenance, entities, events)
    return doc, layer


def to_record(doc: Document, layer: Layer | None) -> dict[str, Any]:
    """The interchange record of a document and one of its layers."""
    record: dict[str, Any] = {"id": doc.id, "text": doc.text}
    for key in METADATA:
        if getattr(doc, key) is not None:
            record[key] = getattr(doc, key)
    entities = layer.entities if layer else ()
    events = layer.events if layer else ()
    record["entities"] = [
        {"start": s.start, "end": s.end, "label": s.label, "text": s.text} for s in entities
    ]
    record["events"] = [
        {
            "type": e.type,
            "realis": e.realis,
            "trigger": {"start": e.trigger.start, "end": e.trigger.end, "text": e.trigger.text},
            "arguments": [
                {"role": a.role, "start": a.start, "end": a.end, "text": doc.text[a.start : a.end]}
                for a in e.arguments
            ],
        }
        for e in events
    ]
    return record


class _Mover:
    """Moves offsets given on the raw text onto the canonical text."""

    def __init__(self, raw: str, text: str) -> None:
        self.raw = raw
        self.text = text
        self.where: list[int] | None = None
        if raw != text:
            mapped = canonical_offsets(raw)
            if mapped is None:
                raise InputError(
                    "text is not in Unicode NFC and its offsets cannot be moved",
                    hint="normalise the text and its offsets to NFC before import",
                )
            self.where = mapped[1]

    def __call__(self, start: int, end: int, surface: str, what: str) -> tuple[int, int]:
        if self.raw[start:end] != surface:
            raise InputError(
                f"{what} ({start}:{end}): text is {surface!r} but the article has "
                f"{self.raw[start:end]!r} there",
                hint="offsets are Python str indices (code points), end exclusive",
            )
        if self.where is None:
            return start, end
        new_start, new_end = self.where[start], self.where[end]
        if self.text[new_start:new_end] != canonical(surface) or new_start >= new_end:
            raise InputError(
                f"{what} ({start}:{end}): the span does not survive canonicalisation "
                "(it starts or ends inside a character sequence)"
            )
        return new_start, new_end


def _list(obj: dict[str, Any], key: str) -> list[Any]:
    value = obj.get(key, [])
    if not isinstance(value, list):
        raise InputError(f"{key} must be a list, got {type(value).__name__}")
    return value


def _offsets(item: object, what: str, move: _Mover) -> tuple[int, int, str]:
    if not isinstance(item, dict):
        raise InputError(f"{what}: expected an object with start, end and text")
    start, end, surface = item.get("start"), item.get("end"), item.get("text")
    if type(start) is not int or type(end) is not int or not isinstance(surface, str):
        raise InputError(f"{what}: start and end must be integers and text a string")
    if not 0 <= start < end <= len(move.raw):
        raise InputError(
            f"{what} ({start}:{end}): offsets outside the text (length {len(move.raw)}) or empty",
            hint="offsets are Python str indices (code points), end exclusive",
        )
    new_start, new_end = move(start, end, surface, what)
    return new_start, new_end, move.text[new_start:new_end]


def _span(item: object, what: str, move: _Mover, allowed: tuple[str, ...], kind: str) -> Span:
    start, end, surface = _offsets(item, what, move)
    assert isinstance(item, dict)
    label = item.get("label")
    if label not in allowed:
        raise InputError(
            f"{what} ({start}:{end}): label {label!r} is not in the scheme",
            hint=f"{kind}: {', '.join(allowed)}",
        )
    return Span(start, end, label, surface)


def _event(item: object, i: int, move: _Mover, scheme: Scheme) -> Event:
    what = f"event {i}"
    if not isinstance(item, dict):
        raise InputError(f"{what}: expected an object with type, realis, trigger and arguments")
    etype = item.get("type")
    if etype not in scheme.event_types:
        raise InputError(
            f"{what}: type {etype!r} is not in the scheme",
            hint=f"event types: {', '.join(scheme.event_types)}",
        )
    realis = item.get("realis")
    if realis not in scheme.realis_values:
        raise InputError(
            f"{what}: realis {realis!r} is not in the scheme",
            hint=f"realis: {', '.join(scheme.realis_values)}",
        )
    start, end, surface = _offsets(item.get("trigger"), f"{what} trigger", move)
    arguments = []
    for j, arg in enumerate(_list(item, "arguments")):
        a_start, a_end, _ = _offsets(arg, f"{what} argument {j}", move)
        role = arg.get("role")
        if role not in scheme.role_names:
            raise InputError(
                f"{what} argument {j}: role {role!r} is not in the scheme",
                hint=f"roles: {', '.join(scheme.role_names)}",
            )
        arguments.append(Argument(role, a_start, a_end))
    return Event(Span(start, end, etype, surface), realis, tuple(arguments))


def export_records(project: Project, layer_name: str | None = None) -> Iterator[dict[str, Any]]:
    """Interchange records of every document, with ``layer_name`` or the best layer."""
    for doc, layers in project.store().items():
        if layer_name is None:
            layer = best_layer(layers)
        else:
            layer = next((x for x in layers if x.name == layer_name), None)
        yield to_record(doc, layer)


def export_jsonl(project: Project, out: Path, layer_name: str | None = None) -> int:
    lines = [dumps(r) + "\n" for r in export_records(project, layer_name)]
    atomic_write(out, "".join(lines))
    return len(lines)
