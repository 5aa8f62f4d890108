"""The CRF beside the rules: where they disagree, the source more precise for the label wins;
for event triggers, the trigger tagger beside the lexicon (``khabar.annotate.trigger_model``)."""

from __future__ import annotations

from typing import Any

from khabar.annotate.crf import Model, predictions
from khabar.annotate.entities import EntityFinder
from khabar.annotate.events import EventFinder
from khabar.annotate.tokens import Candidate, Tokens
from khabar.annotate.trigger_model import TRIGGERS_FILE, Found, TriggerTagger, estimate, lexicon_found
from khabar.corpus.model import Document
from khabar.text.analysis import Analysis

DEFAULT_PRECISION = {"rules": 0.9, "crf": 0.8}


class Combined:
    """A trained model used beside the rules: where they disagree on a place, the source
    more precise for that label (measured on held-out documents when the model was
    trained, ``meta.json``) wins, and the span says so (``crf (over list:places)``). A name
    only one of them marks is kept: an annotator deletes a wrong draft faster than they add
    a missing one. ``alone``: the model's spans and triggers only (to measure it)."""

    def __init__(self, model: Model, finder: EntityFinder, *, alone: bool = False) -> None:
        self.model = model
        self.alone = alone
        self.featurizer, self.tagger = model.tagging(finder)
        evaluation: dict[str, Any] = model.meta.get("evaluation", {})
        self.precision = {
            (source, label): estimate(evaluation, source, label, DEFAULT_PRECISION)
            for source, labels in evaluation.get("precision", {}).items()
            for label in labels
        }
        triggers = model.path / TRIGGERS_FILE
        #: the trigger tagger, when the model learnt one (from layers with events)
        self.triggers = (
            TriggerTagger(triggers, finder, evaluation.get("triggers", {})) if triggers.is_file() else None
        )

    def _precision(self, source: str, label: str) -> float:
        return self.precision.get((source, label), DEFAULT_PRECISION[source])

    def merge(self, doc: Document, analysis: Analysis, rules: list[Candidate]) -> list[Candidate]:
        # (start, end, label, score) tuples: spans made here would only be taken apart again;
        # scores are rounded with the rules' when the layer's spans are made
        predicted, _ = predictions(
            doc, self.featurizer, self.tagger, analysis=analysis, rules=rules, uncertainty=False
        )
        ours = [
            Candidate(analysis.to_norm(a), analysis.to_norm(b), label, score, "crf")
            for a, b, label, score in predicted
        ]
        ours = [c for c in ours if c.start < c.end]
        if self.alone or not ours:
            return ours if self.alone else rules
        # where each source marked something, and with what: a rival is the other source's span there
        marks = {"crf": _marks(ours, len(analysis.norm)), "rules": _marks(rules, len(analysis.norm))}
        pool = [(self._precision("rules", c.label), c, "crf") for c in rules] + [
            (self._precision("crf", c.label), c, "rules") for c in ours
        ]
        taken = bytearray(len(analysis.norm))
        chosen: list[Candidate] = []
        for _, c, other in sorted(pool, key=lambda p: (-p[0], -(p[1].end - p[1].start), p[1].start)):
            if taken.find(1, c.start, c.end) != -1:
                continue
            taken[c.start : c.end] = b"\x01" * (c.end - c.start)
            rival = None
            for r in marks[other][c.start : c.end]:
                if r is not None and (r.start != c.start or r.end != c.end or r.label != c.label):
                    rival = r
                    break
            if rival is not None:
                c = Candidate(c.start, c.end, c.label, c.score, f"{c.rule} (over {rival.rule})")
            chosen.append(c)
        return sorted(chosen, key=lambda c: c.start)

    def merge_triggers(
        self, doc: Document, analysis: Analysis, t: Tokens, events: EventFinder, entities: list[Candidate]
    ) -> Found | None:
        """The triggers of the lexicon and the trigger tagger merged (None: no tagger)."""
        if self.triggers is None:
            return None
        lexicon = lexicon_found(events, t, entities)
        model = self.triggers.predict(doc, analysis, t, events, entities, lexicon)
        return self.triggers.merge(lexicon, model, alone=self.alone)


def _marks(candidates: list[Candidate], size: int) -> list[Candidate | None]:
    """The candidate covering each position, if any."""
    marks: list[Candidate | None] = [None] * size
    for c in candidates:
        marks[c.start : c.end] = [c] * (c.end - c.start)
    return marks
