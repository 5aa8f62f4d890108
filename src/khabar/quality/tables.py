"""The corpus as tables: documents, layers, sentences, tokens, entities, events, arguments.

Validation checks these tables; statistics for the dataset card count them. Each row
keeps the document id and offsets, so that a failing row points at a place in a text.
The token table is built from the layer a release would publish (``model.best_layer``).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from khabar.corpus.model import Document, Layer, best_layer
from khabar.text.analysis import INVISIBLE, canonical, sentences, simhash
from khabar.text.segmentation import Sentence, segment


@dataclass(frozen=True)
class Tables:
    documents: pd.DataFrame
    layers: pd.DataFrame
    sentences: pd.DataFrame
    tokens: pd.DataFrame
    entities: pd.DataFrame
    events: pd.DataFrame
    arguments: pd.DataFrame


COLUMNS = {
    "documents": ["doc_id", "length", "sha256", "canonical", "invisible", "sentences", "simhash"],
    "layers": ["doc_id", "layer", "kind", "text_sha256", "doc_sha256"],
    "sentences": ["doc_id", "sentence", "start", "end"],
    "tokens": ["doc_id", "layer", "sentence", "word", "start", "end", "form", "ner", "event"],
    "entities": ["doc_id", "layer", "start", "end", "label", "text", "surface", "sentence", "end_sentence"],
    "events": [
        "doc_id",
        "layer",
        "event",
        "type",
        "realis",
        "start",
        "end",
        "text",
        "surface",
        "sentence",
        "end_sentence",
    ],
    "arguments": [
        "doc_id",
        "layer",
        "event",
        "role",
        "start",
        "end",
        "entity_label",
        "sentence",
        "trigger_sentence",
    ],
}


def build(
    items: Iterable[tuple[Document, list[Layer]]],
    *,
    segments: dict[str, list[Sentence]] | None = None,
) -> Tables:
    """Tables of every document and every layer; tokens of each document's best layer
    (from ``segments`` when the caller already segmented the documents)."""
    rows: dict[str, list[tuple[object, ...]]] = {name: [] for name in COLUMNS}
    for doc, layers in items:
        text = doc.text
        sents = sentences(text)
        starts = [a for a, _ in sents]

        def sentence_of(pos: int, starts: list[int] = starts) -> int:
            return bisect.bisect_right(starts, pos)

        invisible = sum(1 for ch in text if ch in INVISIBLE)
        rows["documents"].append(
            (doc.id, len(text), doc.sha256, text == canonical(text), invisible, len(sents), simhash(text))
        )
        rows["sentences"].extend((doc.id, i, a, b) for i, (a, b) in enumerate(sents, start=1))
        for layer in layers:
            rows["layers"].append((doc.id, layer.name, layer.kind, layer.text_sha256, doc.sha256))
            spans = {}
            for s in layer.entities:
                rows["entities"].append(
                    (
                        doc.id,
                        layer.name,
                        s.start,
                        s.end,
                        s.label,
                        s.text,
                        text[s.start : s.end],
                        sentence_of(s.start),
                        sentence_of(max(s.start, s.end - 1)),
                    )
                )
                spans[s.key] = s.label
            for k, e in enumerate(layer.events, start=1):
                t = e.trigger
                trigger_sentence = sentence_of(t.start)
                rows["events"].append(
                    (
                        doc.id,
                        layer.name,
                        k,
                        e.type,
                        e.realis,
                        t.start,
                        t.end,
                        t.text,
                        text[t.start : t.end],
                        trigger_sentence,
                        sentence_of(max(t.start, t.end - 1)),
                    )
                )
                rows["arguments"].extend(
                    (
                        doc.id,
                        layer.name,
                        k,
                        a.role,
                        a.start,
                        a.end,
                        spans.get(a.key),
                        sentence_of(a.start),
                        trigger_sentence,
                    )
                    for a in e.arguments
                )
        chosen = best_layer(layers)
        name = chosen.name if chosen else ""
        segmented = segments.get(doc.id) if segments is not None else None
        for sentence in segmented if segmented is not None else segment(doc, chosen):
            rows["tokens"].extend(
                (doc.id, name, sentence.index, i, w.start, w.end, w.form, w.ner, w.event)
                for i, w in enumerate(sentence.words, start=1)
            )
    return Tables(**{name: pd.DataFrame(rows[name], columns=COLUMNS[name]) for name in COLUMNS})
