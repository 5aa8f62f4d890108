"""Long documents as Label Studio tasks of a few sentences: where a document is cut, and the
one shift of offsets between a part and its document, both ways.

A part is a stretch of whole sentences (khabar's own segmentation, ``khabar.text.analysis``).
Parts cover the document end to end, so no character is lost, and no cut falls inside an
entity or inside an event with its arguments (events never cross a sentence; a cut that
would split a drafted span is moved to the next sentence). A part travels as a document of
its own (``part_document``); what an annotator made on it comes back in the document's
offsets (``document_layer``), and the parts an annotator reviewed become one layer
(``joined_layer``).
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass

from khabar.corpus.model import Argument, Document, Event, Layer, Span
from khabar.text.analysis import sentences


@dataclass(frozen=True, slots=True)
class Part:
    """Characters ``start:end`` of a document: part ``index`` (1-based) of ``count``."""

    index: int
    count: int
    start: int
    end: int

    @property
    def label(self) -> str:
        return f"{self.index}/{self.count}"


def whole(doc: Document) -> Part:
    return Part(1, 1, 0, len(doc.text))


def split(doc: Document, layer: Layer | None, size: int | None) -> list[Part]:
    """The parts of ``doc`` of ``size`` sentences each (one part when ``size`` is None or
    the document is that short); raises ValueError for a size below 1."""
    if size is None:
        return [whole(doc)]
    if size < 1:
        raise ValueError(f"a task size of {size} sentences: it must be 1 or more")
    starts = [a for a, _ in sentences(doc.text)][size::size]
    # stretches a cut must not fall inside: every span, every event with its arguments
    kept: list[tuple[int, int]] = []
    if layer is not None:
        kept += [(s.start, s.end) for s in layer.entities]
        for event in layer.events:
            ends = [event.trigger.start, event.trigger.end, *(p for a in event.arguments for p in a.key)]
            kept.append((min(ends), max(ends)))
    cuts = [c for c in starts if not any(a < c < b for a, b in kept)]
    bounds = [0, *cuts, len(doc.text)]
    count = len(bounds) - 1
    return [Part(i + 1, count, bounds[i], bounds[i + 1]) for i in range(count)]


def part_document(doc: Document, part: Part) -> Document:
    """The part as a document of its own (the same id and metadata, its own text)."""
    if part.count == 1 and part.start == 0 and part.end == len(doc.text):
        return doc
    return dataclasses.replace(doc, text=doc.text[part.start : part.end])


def text_sha256(doc: Document, part: Part) -> str:
    """The hash of the part's text in the document, to compare with the task's text."""
    return hashlib.sha256(doc.text[part.start : part.end].encode("utf-8")).hexdigest()


def _moved(span: Span, by: int, text: str) -> Span:
    return Span(
        span.start + by,
        span.end + by,
        span.label,
        text[span.start + by : span.end + by],
        span.score,
        span.rule,
    )


def part_layer(doc: Document, layer: Layer, part: Part) -> Layer:
    """The spans and events of ``layer`` that lie inside ``part``, in the part's offsets."""
    if part.count == 1:
        return layer
    text = doc.text[part.start : part.end]

    def inside(a: int, b: int) -> bool:
        return part.start <= a and b <= part.end

    entities = tuple(_moved(s, -part.start, text) for s in layer.entities if inside(s.start, s.end))
    events = tuple(
        Event(
            _moved(e.trigger, -part.start, text),
            e.realis,
            tuple(
                Argument(a.role, a.start - part.start, a.end - part.start)
                for a in e.arguments
                if inside(a.start, a.end)
            ),
        )
        for e in layer.events
        if inside(e.trigger.start, e.trigger.end)
    )
    return dataclasses.replace(layer, entities=entities, events=events)


def document_layer(doc: Document, layer: Layer, part: Part) -> Layer:
    """A layer made on a part, in the document's offsets (and on the document's hash)."""
    if part.count == 1 and part.start == 0:
        return layer
    return dataclasses.replace(
        layer,
        text_sha256=doc.sha256,
        entities=tuple(_moved(s, part.start, doc.text) for s in layer.entities),
        events=tuple(
            Event(
                _moved(e.trigger, part.start, doc.text),
                e.realis,
                tuple(Argument(a.role, a.start + part.start, a.end + part.start) for a in e.arguments),
            )
            for e in layer.events
        ),
    )


def joined_layer(layers: list[Layer]) -> Layer:
    """One layer of the layers an annotator made on the parts of one document (already in
    the document's offsets); its provenance is the first part's, its note names them all."""
    if len(layers) == 1:
        return layers[0]
    first = layers[0]
    note = "parts: " + ", ".join(
        f"task {x.provenance.task} annotation {x.provenance.annotation}" for x in layers
    )
    return dataclasses.replace(
        first,
        provenance=dataclasses.replace(
            first.provenance, created=max(x.provenance.created or "" for x in layers), note=note
        ),
        entities=tuple(sorted((s for x in layers for s in x.entities), key=lambda s: (s.start, s.end))),
        events=tuple(
            sorted((e for x in layers for e in x.events), key=lambda e: (e.trigger.start, e.trigger.end))
        ),
    )
