"""The model as stored: each Document, Layer, Event and Span to its record (a dict) and back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from khabar.corpus.model import Argument, Document, Event, Layer, Provenance, Span


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


def document_key(record: dict[str, Any]) -> str:
    """What a document record is found and sorted by: its id."""
    return str(record["id"])


def layer_key(record: dict[str, Any]) -> tuple[str, str]:
    """What a layer record is found and sorted by: its document id and name."""
    return str(record["doc_id"]), str(record["name"])
