"""Agreement between annotators and adjudication of their layers.

Span F1 between each pair of annotators (exact offsets and label), Cohen's kappa on
tokens (every token labelled with the entity covering it, or O) overall and per label,
and event agreement (trigger with type; arguments with role). Adjudication keeps what a
majority of annotators agree on and lists every disagreement for a curator.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from khabar.corpus.model import Argument, Document, Event, Layer, Provenance, Span, created_now
from khabar.text.analysis import tokens


def f1(a: set[tuple[Any, ...]], b: set[tuple[Any, ...]]) -> float:
    """Dice / F1 of two sets: symmetric, 1.0 when both are empty."""
    return 1.0 if not a and not b else 2 * len(a & b) / (len(a) + len(b))


def kappa(x: list[str], y: list[str]) -> float:
    """Cohen's kappa of two label sequences (1.0 when both are constant and equal)."""
    n = len(x)
    if n == 0:
        return 1.0
    observed = sum(a == b for a, b in zip(x, y, strict=True)) / n
    cx, cy = Counter(x), Counter(y)
    expected = sum(cx[k] * cy[k] for k in cx) / (n * n)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def token_labels(doc: Document, layer: Layer) -> list[str]:
    """The entity label covering each token of the document, or O."""
    spans = sorted(layer.entities, key=lambda s: s.start)
    out = []
    for a, b in tokens(doc.text):
        label = "O"
        for s in spans:
            if s.start < b and a < s.end:
                label = s.label
                break
        out.append(label)
    return out


def entity_keys(layer: Layer) -> set[tuple[Any, ...]]:
    return {(s.start, s.end, s.label) for s in layer.entities}


def trigger_keys(layer: Layer) -> set[tuple[Any, ...]]:
    return {(e.trigger.start, e.trigger.end, e.type) for e in layer.events}


def argument_keys(layer: Layer) -> set[tuple[Any, ...]]:
    return {
        (e.trigger.start, e.trigger.end, e.type, a.role, a.start, a.end)
        for e in layer.events
        for a in e.arguments
    }


@dataclass
class PairAgreement:
    a: str
    b: str
    documents: int = 0
    entity_f1: float = 0.0
    token_kappa: float = 0.0
    label_kappa: dict[str, float] = field(default_factory=dict)
    trigger_f1: float = 0.0
    argument_f1: float = 0.0


def agreement(items: Iterable[tuple[Document, list[Layer]]], labels: tuple[str, ...]) -> list[PairAgreement]:
    """Agreement of every pair of annotators over the documents both reviewed."""
    sets: dict[tuple[str, str], dict[str, list[Any]]] = {}
    for doc, layers in items:
        reviews = {layer.provenance.producer: layer for layer in layers if layer.kind == "review"}
        for a, b in itertools.combinations(sorted(reviews), 2):
            acc = sets.setdefault((a, b), {k: [] for k in ("ea", "eb", "ta", "tb", "ga", "gb", "xa", "xb")})
            la, lb = reviews[a], reviews[b]
            acc["ea"] += [(doc.id, k) for k in entity_keys(la)]
            acc["eb"] += [(doc.id, k) for k in entity_keys(lb)]
            acc["ga"] += [(doc.id, k) for k in trigger_keys(la)]
            acc["gb"] += [(doc.id, k) for k in trigger_keys(lb)]
            acc["xa"] += [(doc.id, k) for k in argument_keys(la)]
            acc["xb"] += [(doc.id, k) for k in argument_keys(lb)]
            acc["ta"] += token_labels(doc, la)
            acc["tb"] += token_labels(doc, lb)
            acc.setdefault("docs", []).append(doc.id)
    out = []
    for (a, b), acc in sorted(sets.items()):
        ta = [str(t) for t in acc["ta"]]
        tb = [str(t) for t in acc["tb"]]
        out.append(
            PairAgreement(
                a,
                b,
                len(acc["docs"]),
                entity_f1=f1(set(acc["ea"]), set(acc["eb"])),
                token_kappa=kappa(ta, tb),
                label_kappa={
                    label: kappa([str(t == label) for t in ta], [str(t == label) for t in tb])
                    for label in labels
                    if label in ta or label in tb
                },
                trigger_f1=f1(set(acc["ga"]), set(acc["gb"])),
                argument_f1=f1(set(acc["xa"]), set(acc["xb"])),
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class Disagreement:
    doc_id: str
    kind: str  # entity, trigger, argument, realis
    start: int
    end: int
    what: str
    votes: str

    def __str__(self) -> str:
        return f"{self.doc_id} {self.start}:{self.end} {self.kind} {self.what}: {self.votes}"


def adjudicate(
    doc: Document, reviews: list[Layer], *, prefer: str | None = None, created: str | None = None
) -> tuple[Layer, list[Disagreement]]:
    """One layer from several reviews: what a majority agrees on wins; the rest is listed.

    With ``prefer``, a disagreement is settled by that annotator's version instead of
    being left out (it is still listed).
    """
    n = len(reviews)
    names = [r.provenance.producer for r in reviews]
    preferred = next((r for r in reviews if r.provenance.producer == prefer), None)
    disagreements: list[Disagreement] = []

    def vote(keys: list[set[tuple[Any, ...]]]) -> tuple[set[tuple[Any, ...]], set[tuple[Any, ...]]]:
        counts = Counter(k for ks in keys for k in ks)
        return {k for k, c in counts.items() if c * 2 > n}, {k for k, c in counts.items() if c * 2 <= n}

    def disagree(
        kind: str,
        lost_keys: set[tuple[Any, ...]],
        keys: list[set[tuple[Any, ...]]],
        place: Callable[[Any], tuple[int, int]],
        variant: Callable[[Any], str],
    ) -> None:
        """One disagreement per place, saying who chose what there (or nothing)."""
        for where in sorted({place(k) for k in lost_keys}):
            chosen: dict[str, list[str]] = {}
            for name, ks in zip(names, keys, strict=True):
                for v in sorted(variant(k) for k in ks if place(k) == where) or ["nothing"]:
                    chosen.setdefault(v, []).append(name)
            disagreements.append(
                Disagreement(
                    doc.id,
                    kind,
                    where[0],
                    where[1],
                    f"«{doc.text[where[0] : where[1]]}»",
                    "; ".join(f"{v}: {', '.join(who)}" for v, who in chosen.items()),
                )
            )

    entity_sets = [entity_keys(r) for r in reviews]
    won, lost = vote(entity_sets)
    if preferred:
        won |= lost & entity_keys(preferred)
    disagree("entity", lost, entity_sets, lambda k: k[:2], lambda k: k[2])
    entities = tuple(Span(s, e, lb, doc.text[s:e]) for s, e, lb in sorted(won))

    trigger_sets = [trigger_keys(r) for r in reviews]
    arg_sets = [argument_keys(r) for r in reviews]
    t_won, t_lost = vote(trigger_sets)
    a_won, a_lost = vote(arg_sets)
    if preferred:
        t_won |= t_lost & trigger_keys(preferred)
        a_won |= a_lost & argument_keys(preferred)
    disagree("trigger", t_lost, trigger_sets, lambda k: k[:2], lambda k: k[2])
    disagree(
        "argument",
        a_lost,
        arg_sets,
        lambda k: k[4:6],
        lambda k: f"{k[3]} of {k[2]} «{doc.text[k[0] : k[1]]}»",
    )
    entity_spans = {(s.start, s.end) for s in entities}
    events = []
    for s, e, etype in sorted(t_won):
        realis_votes = Counter(
            ev.realis
            for r in reviews
            for ev in r.events
            if (ev.trigger.start, ev.trigger.end, ev.type) == (s, e, etype)
        )
        realis, top = realis_votes.most_common(1)[0]
        if top * 2 <= sum(realis_votes.values()):
            if preferred:
                realis = next(
                    (
                        ev.realis
                        for ev in preferred.events
                        if (ev.trigger.start, ev.trigger.end, ev.type) == (s, e, etype)
                    ),
                    realis,
                )
            disagreements.append(
                Disagreement(
                    doc.id,
                    "realis",
                    s,
                    e,
                    f"{etype} «{doc.text[s:e]}»",
                    "; ".join(f"{k}: {v}" for k, v in realis_votes.items()),
                )
            )
        arguments = tuple(
            Argument(role, a_s, a_e)
            for ts, te, tt, role, a_s, a_e in sorted(a_won)
            if (ts, te, tt) == (s, e, etype) and (a_s, a_e) in entity_spans
        )
        events.append(Event(Span(s, e, etype, doc.text[s:e]), realis, arguments))
    note = f"majority of {n} reviews ({', '.join(names)})" + (
        f"; ties settled by {prefer}" if preferred else ""
    )
    provenance = Provenance("khabar-adjudicate", created=created or created_now(), note=note)
    return Layer(
        doc.id, "adjudicated", "adjudicated", doc.sha256, provenance, entities, tuple(events)
    ), disagreements
