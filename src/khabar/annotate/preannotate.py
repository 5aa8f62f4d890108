"""Pre-annotation: draft entities (and events) for annotators, offline.

Entities come from name lists and context rules (``khabar.annotate.entities``); every span
carries its score and the list or rule that produced it, which Label Studio shows.
The producer's version names the code and the data, so a draft is only replaced when
either changed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING

from khabar import __version__
from khabar.annotate import (
    arguments,
    dates_money,
    entities,
    gazetteer,
    headed_names,
    names_again,
    people,
    spoken_names,
    titled_names,
)
from khabar.annotate import events as event_rules
from khabar.annotate.combined import Combined
from khabar.annotate.crf import Model
from khabar.annotate.entities import EntityFinder
from khabar.annotate.events import EventFinder
from khabar.annotate.labels import RuleLabels
from khabar.annotate.tokens import Tokens
from khabar.annotate.triggers import TriggerLexicon
from khabar.corpus.model import Argument, Document, Event, Layer, Provenance, Span, created_now, kept_score
from khabar.runtime.cache import package_digest
from khabar.text.analysis import Analysis

if TYPE_CHECKING:
    from khabar.corpus.scheme import Scheme

PRODUCER = "khabar-rules"

# The modules whose code decides a draft. Their source and the shipped lexicon are part of
# the annotator's version, beside the name lists: a corpus repository that installs khabar
# from git (where the package version stays the same) gets new drafts when the rules change.
RULE_MODULES = (
    "text.analysis",
    "text.clitics",
    "text.snapping",
    "text.tagging",
    "text.word_frequency",
    "annotate.gazetteer",
    "annotate.labels",
    "annotate.tokens",
    "annotate.entities",
    "annotate.people",
    "annotate.titled_names",
    "annotate.spoken_names",
    "annotate.headed_names",
    "annotate.dates_money",
    "annotate.triggers",
    "annotate.events",
    "annotate.arguments",
    "annotate.argument_context",
    "annotate.argument_tables",
    "annotate.argument_words",
    "annotate.crf_features",
    "annotate.crf",
    "annotate.names_again",
    "annotate.combined",
    "annotate.trigger_model",
    "annotate.preannotate",
    "corpus.model",
    "runtime.memo",
)

# What the rules produce and read, by rule module: each must be in the project's scheme.
ENTITY_RULES: tuple[RuleLabels, ...] = (
    entities.LABELS,
    people.LABELS,
    titled_names.LABELS,
    spoken_names.LABELS,
    headed_names.LABELS,
    dates_money.LABELS,
    names_again.LABELS,
)
EVENT_RULES: tuple[RuleLabels, ...] = (event_rules.LABELS, arguments.LABELS)


def rules_digest(package: Traversable | None = None) -> str:
    """A hash of the rule modules' source and of the files in ``data/lexicon``."""
    modules = [name.replace(".", "/") + ".py" for name in RULE_MODULES]
    return package_digest([*modules, "data/lexicon"], package)


@dataclass(frozen=True)
class Annotator:
    """The offline pre-annotator: name lists, context words, triggers and the rules over them."""

    entities: EntityFinder
    events: EventFinder | None
    version: str
    model: Combined | None = None

    @classmethod
    def load(
        cls,
        labels: tuple[str, ...] | None = None,
        project_lists: Path | None = None,
        *,
        events: bool = True,
        scheme: Scheme | None = None,
    ) -> Annotator:
        """The shipped lists plus a project's own ``gazetteers/*.yaml``, for a project's
        ``scheme`` or its entity ``labels`` (the shipped scheme's by default).

        Fails with a :class:`~khabar.errors.SchemeError` if the scheme lacks a label, an
        event type or a role that the rules or the trigger lexicon use.
        """
        from khabar.corpus.scheme import Scheme

        if scheme is None:
            scheme = Scheme.load()
            # given a project's entity labels alone, its scheme is what lacks one
            where = "the project's scheme (schemas/scheme.yaml)" if labels else scheme.where
        else:
            where = scheme.where
        labels = labels or scheme.entity_labels
        lexicon = gazetteer.load_lexicon()
        triggers = TriggerLexicon(gazetteer.load_triggers())  # the entity rules read it too
        event_finder = EventFinder(triggers, lexicon) if events else None
        for declared in (*ENTITY_RULES, *(EVENT_RULES if event_finder else ())):
            declared.check(labels, scheme.event_types, scheme.role_names, where)
        if event_finder is not None:
            event_finder.lexicon.check(scheme.event_types, where)
        names = gazetteer.load(labels, project_lists)
        also = event_finder.word if event_finder else None
        finder = EntityFinder(names, lexicon, also=also, triggers=triggers.lookups)
        return cls(finder, event_finder, f"{__version__}+{rules_digest()}.{names.version}")

    @property
    def gazetteer(self) -> gazetteer.Gazetteer:
        return self.entities.gazetteer

    def known(self, phrase: str) -> bool:
        """Whether ``phrase`` is a listed name (snapping proclitics off a span asks)."""
        return self.entities.known(phrase)

    def with_model(self, model: Model, *, alone: bool = False) -> Annotator:
        """This annotator with a trained model beside its rules (``alone``: instead of them,
        to measure the model)."""
        combined = Combined(model, self.entities, alone=alone)
        return dataclasses.replace(self, model=combined, version=f"{self.version}+{model.meta['id']}")


def run(doc: Document, annotator: Annotator, *, created: str | None = None) -> Layer:
    """The pre-annotation layer of one document."""
    analysis = Analysis.of(doc.text)
    tokens = Tokens(analysis.norm)
    candidates = annotator.entities.find(tokens)
    if annotator.model is not None:
        candidates = annotator.model.merge(doc, analysis, candidates)

    text = doc.text
    moved = bool(analysis.runs)  # most texts have nothing to normalise away: offsets stay

    def span(start: int, end: int, label: str, score: float, rule: str) -> Span:
        if moved:
            start, end = analysis.start(start), analysis.end(end)
        return Span(start, end, label, text[start:end], kept_score(score), rule)

    entities = [span(c.start, c.end, c.label, c.score, c.rule) for c in candidates]
    events = []
    if annotator.events is not None:
        # arguments are entity spans: their canonical offsets, the entity's by analysis-view
        # start (read only for the few entities that are arguments)
        where = {c.start: s for c, s in zip(candidates, entities, strict=True)}
        found = None
        if annotator.model is not None:
            found = annotator.model.merge_triggers(doc, analysis, tokens, annotator.events, candidates)
        for e in annotator.events.find(tokens, candidates, found):
            arguments = []
            for role, c in e.arguments:
                entity = where[c.start]
                arguments.append(Argument(role, entity.start, entity.end))
            events.append(Event(span(e.start, e.end, e.type, e.score, e.rule), e.realis, tuple(arguments)))
    provenance = Provenance(
        producer=PRODUCER,
        version=annotator.version,
        created=created or created_now(),
    )
    return Layer(doc.id, "pre", "pre", doc.sha256, provenance, tuple(entities), tuple(events))
