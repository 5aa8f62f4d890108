"""Evaluation of a layer against gold annotations: entities, and events when there are any.

Entities: precision, recall and F1 per label and overall, exact (same offsets and label)
and partial (overlapping spans with the same label), and the list of errors: missed,
spurious, wrong label (same offsets), wrong boundary (overlapping, same label).
Events: trigger identification (offsets) and classification (offsets and type),
argument identification (its event matched, entity offsets) and role classification
(and role), and realis accuracy on matched triggers.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from khabar.corpus.model import Document, Layer, Span
from khabar.corpus.project import Project
from khabar.errors import InputError
from khabar.formats.ingest import read as read_sources
from khabar.formats.readers import Problem
from khabar.text.clitics import PROCLITIC_LETTERS


@dataclass(frozen=True, slots=True)
class Score:
    tp: int
    fp: int
    fn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


@dataclass(frozen=True, slots=True)
class Error:
    doc_id: str
    kind: str  # missed, spurious, wrong label, wrong boundary
    gold: str | None
    predicted: str | None

    def __str__(self) -> str:
        return f"{self.doc_id}: {self.kind}: gold {self.gold or '-'} / predicted {self.predicted or '-'}"


@dataclass
class Evaluation:
    documents: int = 0
    exact: dict[str, Score] = field(default_factory=dict)
    partial: dict[str, Score] = field(default_factory=dict)
    events: dict[str, Score] = field(default_factory=dict)
    realis_accuracy: float | None = None
    errors: list[Error] = field(default_factory=list)
    unscored_events: int = 0  # predicted events, when the gold has none to score them by

    def to_json(self) -> str:
        return json.dumps(
            {
                "documents": self.documents,
                "entities": {
                    "exact": {k: v.as_dict() for k, v in self.exact.items()},
                    "partial": {k: v.as_dict() for k, v in self.partial.items()},
                },
                "events": {k: v.as_dict() for k, v in self.events.items()},
                "realis_accuracy": self.realis_accuracy,
                "unscored_events": self.unscored_events,
                "errors": [asdict(e) for e in self.errors],
            },
            ensure_ascii=False,
            indent=1,
        )


def _show(span: Span) -> str:
    return f"{span.label} «{span.text}» {span.start}:{span.end}"


def align_proclitics(gold: list[Span], predicted: list[Span]) -> list[Span]:
    """Predicted spans moved onto gold spans that differ from them only by up to two
    leading proclitic letters (و ف ب ك ل), on either side: corpora that tag «لأوكرانيا»
    whole can be scored against spans that leave the ل out, and the other way round."""
    by_end = {(g.end, g.label): g for g in gold}
    aligned = []
    for p in predicted:
        g = by_end.get((p.end, p.label))
        if g is not None and g.start != p.start and abs(g.start - p.start) <= 2:
            extra = g.text[: p.start - g.start] if g.start < p.start else p.text[: g.start - p.start]
            if all(ch in PROCLITIC_LETTERS for ch in extra):
                p = Span(g.start, g.end, p.label, g.text, p.score, p.rule)
        aligned.append(p)
    return aligned


def label_folds(labels: Collection[str]) -> dict[str, str]:
    """Each scored label and the label it counts as: with ``GPE+LOC`` a LOC span counts as
    GPE («أفريقيا»، «البحر الأحمر» where ANERcorp's places are one label, read as GPE)."""
    return {name: group.split("+")[0] for group in labels for name in group.split("+")}


def scored_spans(spans: Iterable[Span], fold: dict[str, str]) -> list[Span]:
    """The spans of the labels ``fold`` holds (:func:`label_folds`), each under the label
    it counts as."""
    return [
        s if fold[s.label] == s.label else Span(s.start, s.end, fold[s.label], s.text, s.score, s.rule)
        for s in spans
        if s.label in fold
    ]


def evaluate(
    pairs: Iterable[tuple[Document, Layer | None, Layer]],
    *,
    ignore_proclitics: bool = False,
    labels: Collection[str] | None = None,
) -> Evaluation:
    """Score predicted layers against gold layers, document by document.

    With ``ignore_proclitics``, a difference of leading proclitics (و ف ب ك ل) between a
    gold and a predicted span does not count (entities only). With ``labels``, only
    entities of those labels are scored, in the gold and the prediction alike: a corpus
    that annotates a few of the scheme's labels (ANERcorp: persons, places, organisations)
    then does not count the dates or nationalities the rules find as errors. A label
    written ``GPE+LOC`` folds the others into the first, for a corpus with one label for
    places (:func:`label_folds`).

    Events are scored when the gold has any: gold without a single event (an imported NER
    corpus) does not annotate them, and its scores would be zeros. The predicted events
    are then only counted, in ``unscored_events``."""
    result = Evaluation()
    exact: dict[str, Counter[str]] = {}
    partial: dict[str, Counter[str]] = {}
    events: dict[str, Counter[str]] = {
        name: Counter()
        for name in (
            "trigger identification",
            "trigger classification",
            "argument identification",
            "argument classification",
        )
    }
    realis_right = realis_total = gold_events = predicted_events = 0
    fold = label_folds(labels) if labels is not None else None
    for doc, predicted, gold in pairs:
        result.documents += 1
        pred_spans = list(predicted.entities) if predicted else []
        gold_spans = list(gold.entities)
        if fold is not None:
            pred_spans = scored_spans(pred_spans, fold)
            gold_spans = scored_spans(gold_spans, fold)
        if ignore_proclitics:
            pred_spans = align_proclitics(gold_spans, pred_spans)
        _count_entities(doc.id, gold_spans, pred_spans, exact, partial, result.errors)
        r_right, r_total = _count_events(gold, predicted, events)
        realis_right += r_right
        realis_total += r_total
        gold_events += len(gold.events)
        predicted_events += len(predicted.events) if predicted else 0
    result.exact = {k: Score(c["tp"], c["fp"], c["fn"]) for k, c in sorted(exact.items())}
    result.partial = {k: Score(c["tp"], c["fp"], c["fn"]) for k, c in sorted(partial.items())}
    if not gold_events:
        result.unscored_events = predicted_events
    elif any(sum(c.values()) for c in events.values()):
        result.events = {k: Score(c["tp"], c["fp"], c["fn"]) for k, c in events.items()}
        result.realis_accuracy = realis_right / realis_total if realis_total else None
    return result


def _add(table: dict[str, Counter[str]], label: str, what: str) -> None:
    table.setdefault(label, Counter())[what] += 1
    table.setdefault("overall", Counter())[what] += 1


def _count_entities(
    doc_id: str,
    gold: list[Span],
    pred: list[Span],
    exact: dict[str, Counter[str]],
    partial: dict[str, Counter[str]],
    errors: list[Error],
) -> None:
    gold_keys = {(s.start, s.end, s.label) for s in gold}
    pred_keys = {(s.start, s.end, s.label) for s in pred}
    for s in gold:
        _add(exact, s.label, "tp" if (s.start, s.end, s.label) in pred_keys else "fn")
        overlap = any(p.label == s.label and p.start < s.end and s.start < p.end for p in pred)
        _add(partial, s.label, "tp" if overlap else "fn")
    for p in pred:
        if (p.start, p.end, p.label) not in gold_keys:
            _add(exact, p.label, "fp")
        if not any(g.label == p.label and g.start < p.end and p.start < g.end for g in gold):
            _add(partial, p.label, "fp")
    matched_pred: set[tuple[int, int, str]] = set()
    for g in sorted(gold, key=lambda s: s.start):
        if (g.start, g.end, g.label) in pred_keys:
            matched_pred.add((g.start, g.end, g.label))
            continue
        same_place = [p for p in pred if (p.start, p.end) == (g.start, g.end)]
        overlapping = [p for p in pred if p.label == g.label and p.start < g.end and g.start < p.end]
        if same_place:
            errors.append(Error(doc_id, "wrong label", _show(g), _show(same_place[0])))
            matched_pred.add((same_place[0].start, same_place[0].end, same_place[0].label))
        elif overlapping:
            errors.append(Error(doc_id, "wrong boundary", _show(g), _show(overlapping[0])))
            matched_pred.add((overlapping[0].start, overlapping[0].end, overlapping[0].label))
        else:
            errors.append(Error(doc_id, "missed", _show(g), None))
    for p in sorted(pred, key=lambda s: s.start):
        if (p.start, p.end, p.label) not in matched_pred:
            errors.append(Error(doc_id, "spurious", None, _show(p)))


def _count_events(gold: Layer, predicted: Layer | None, table: dict[str, Counter[str]]) -> tuple[int, int]:
    pred_events = list(predicted.events) if predicted else []

    def tally(name: str, gold_keys: set[object], pred_keys: set[object]) -> None:
        table[name]["tp"] += len(gold_keys & pred_keys)
        table[name]["fp"] += len(pred_keys - gold_keys)
        table[name]["fn"] += len(gold_keys - pred_keys)

    tally(
        "trigger identification", {e.trigger.key for e in gold.events}, {e.trigger.key for e in pred_events}
    )
    tally(
        "trigger classification",
        {(*e.trigger.key, e.type) for e in gold.events},
        {(*e.trigger.key, e.type) for e in pred_events},
    )
    tally(
        "argument identification",
        {(*e.trigger.key, e.type, a.key) for e in gold.events for a in e.arguments},
        {(*e.trigger.key, e.type, a.key) for e in pred_events for a in e.arguments},
    )
    tally(
        "argument classification",
        {(*e.trigger.key, e.type, a.key, a.role) for e in gold.events for a in e.arguments},
        {(*e.trigger.key, e.type, a.key, a.role) for e in pred_events for a in e.arguments},
    )
    predicted_realis = {(*e.trigger.key, e.type): e.realis for e in pred_events}
    matched = [
        (predicted_realis[(*e.trigger.key, e.type)], e.realis)
        for e in gold.events
        if (*e.trigger.key, e.type) in predicted_realis
    ]
    return sum(p == g for p, g in matched), len(matched)


def evaluate_layer(
    project: Project,
    gold_path: Path,
    layer_name: str = "pre",
    *,
    ignore_proclitics: bool = False,
    labels: Collection[str] | None = None,
) -> Evaluation:
    """Score the layer ``layer_name`` of the corpus against an interchange gold file (only
    entities of ``labels``, when given)."""
    scheme = project.scheme()
    store = project.store()
    pairs = []
    for found in read_sources([gold_path], scheme):
        if isinstance(found, Problem):
            raise InputError(str(found))
        if found.gold is None:
            raise InputError(f"{found.where}: the gold record has no entities or events")
        doc = store.document(found.doc.id)
        if doc is None:
            raise InputError(
                f"{found.where}: document {found.doc.id!r} is not in the corpus",
                hint="ingest the gold file first: `khabar ingest FILE`",
            )
        if doc.sha256 != found.doc.sha256:
            raise InputError(f"{found.where}: document {doc.id!r} has another text in the corpus")
        layer = next((x for x in store.layers(doc.id) if x.name == layer_name), None)
        pairs.append((doc, layer, found.gold))
    if not pairs:
        raise InputError(f"{gold_path}: no gold documents")
    return evaluate(pairs, ignore_proclitics=ignore_proclitics, labels=labels)
