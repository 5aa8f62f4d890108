"""Snapping spans to the guidelines: no surrounding space, punctuation or quotes, and
proclitics outside the name (schemas/guidelines.md rules 1, 2 and 4).

Trimming white space and punctuation at the edges is always certain. A leading proclitic
is cut only where that reading is certain: the ل + ال contraction («للناتو» -> «لناتو»),
or a rest that is a known name while the whole is not («لأوكرانيا» -> «أوكرانيا»). A span
that is itself a known name («كاليفورنيا», «فالنسيا») is never cut, and «بايدن» and «لبنان»
stay whole. Where a proclitic is possible but not certain (و ف ب ك ل before an unknown
word with the article, «والمجلس»; or a whole and a rest that are both known names), an
annotator's span is kept as drawn and the doubt comes back as a question for the curator:
khabar never silently changes an annotator's work. Every change is reported too.

A model's span (``Drawn.MACHINE``) takes the article reading instead of asking: the CRF
tags whole tokens («والمجلس» is tagged when the name «المجلس» sits inside it), so its spans
carry attached proclitics by construction, cutting و + ال is what makes them follow the
guidelines, and no one's work is changed by it.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable
from dataclasses import dataclass

from khabar.corpus.model import Argument, Document, Event, Layer, Span
from khabar.text.analysis import SPAN_EDGE, Analysis
from khabar.text.clitics import PROCLITIC_LETTERS, proclitic_analyses


class Drawn(enum.Enum):
    """Who drew a span: what an uncertain proclitic becomes depends on it."""

    ANNOTATOR = "annotator"  # kept as drawn, and asked
    MACHINE = "machine"  # cut, when the rest carries the article


@dataclass(frozen=True, slots=True)
class SnappedSpan:
    """A span snapped to the guidelines: ``span`` is None when nothing is left of it;
    ``change`` says what was changed, ``question`` what a curator should decide (the span
    was kept as drawn)."""

    span: Span | None
    change: str | None = None
    question: str | None = None


@dataclass(frozen=True, slots=True)
class SnappedLayer:
    """A layer with every span snapped, what was changed and what a curator should decide."""

    layer: Layer
    changes: tuple[str, ...]
    questions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Proclitic:
    """How many characters of proclitic to cut (0: none) and, when a proclitic is possible
    but not certain, how the span may otherwise be read."""

    cut: int
    doubt: str | None = None


def snap_span(
    text: str, span: Span, known: Callable[[str], bool], drawn: Drawn = Drawn.ANNOTATOR
) -> SnappedSpan:
    """``span`` snapped to the guidelines; ``known`` says whether a (normalised) phrase is a
    listed name."""
    start, end = span.start, span.end
    while start < end and text[start] in SPAN_EDGE:
        start += 1
    while end > start and text[end - 1] in SPAN_EDGE:
        end -= 1
    if start >= end:
        return SnappedSpan(None, f'"{span.text}" ({span.start}:{span.end}) dropped: nothing left of it')
    reasons = ["white space or punctuation"] if (start, end) != (span.start, span.end) else []
    proclitic = _proclitic(text, start, end, known, drawn)
    question = None
    if proclitic.doubt is not None:
        question = f'"{text[start:end]}" ({start}:{end}): {proclitic.doubt}; kept as drawn'
    if proclitic.cut:
        start += proclitic.cut
        reasons.append("proclitic")
    if not reasons:
        return SnappedSpan(span, None, question)
    snapped = dataclasses.replace(span, start=start, end=end, text=text[start:end])
    change = f'"{span.text}" ({span.start}:{span.end}) -> "{snapped.text}" ({start}:{end}): ' + " and ".join(
        reasons
    )
    return SnappedSpan(snapped, change, question)


def _proclitic(text: str, start: int, end: int, known: Callable[[str], bool], drawn: Drawn) -> _Proclitic:
    if text[start] not in PROCLITIC_LETTERS:
        return _Proclitic(0)
    if start > 0 and not text[start - 1].isspace() and text[start - 1] not in SPAN_EDGE:
        return _Proclitic(0)  # the span already starts inside a word: the annotator cut it there
    view = Analysis.of(text[start:end])
    word_end = len(view.norm.split(" ", 1)[0])
    word = view.norm[:word_end]
    rest_words = view.norm[word_end:]
    readings = proclitic_analyses(word)[1:]
    if known(view.norm):
        # a listed name as a whole («كاليفورنيا»): never cut; asked only when the rest is
        # a listed name too («وجده»: Oujda, or و + Jeddah)
        for cut, form in readings:
            if known(form + rest_words):
                also = f'"{form + rest_words}" is a known name too'
                return _Proclitic(0, _doubt(text, start, view, cut, also))
        return _Proclitic(0)
    article_cut = None  # the first reading whose rest carries the article
    for cut, form in readings:
        contraction = form != word[cut:]  # ل + ال, looked up with its alif restored
        if contraction or known(form + rest_words):
            return _Proclitic(view.start(cut))
        if article_cut is None and word[cut:].startswith("ال") and len(word) - cut > 3:
            if drawn is Drawn.MACHINE:
                return _Proclitic(view.start(cut))
            article_cut = cut
    if article_cut is None:
        return _Proclitic(0)
    return _Proclitic(0, _doubt(text, start, view, article_cut, "the rest is not a known name"))


def _doubt(text: str, start: int, view: Analysis, cut: int, why: str) -> str:
    letters = text[start : start + view.start(cut)]
    return f"may start with the proclitic {letters} ({why})"


def snap_layer(doc: Document, layer: Layer, known: Callable[[str], bool]) -> SnappedLayer:
    """An annotator's layer with every span snapped, its arguments moved along, the list of
    changes and the list of questions for the curator."""
    changes: list[str] = []
    questions: list[str] = []
    moved: dict[tuple[int, int], tuple[int, int] | None] = {}

    def snap(span: Span, what: str) -> Span | None:
        snapped = snap_span(doc.text, span, known)
        if snapped.change:
            changes.append(f"{what} {snapped.change}")
        if snapped.question:
            questions.append(f"{what} {snapped.question}")
        moved[span.key] = snapped.span.key if snapped.span else None
        return snapped.span

    entities: list[Span] = []
    seen: set[tuple[int, int, str]] = set()
    for entity in layer.entities:
        new = snap(entity, entity.label)
        if new is None:
            continue
        if (new.start, new.end, new.label) in seen:
            changes.append(f'{entity.label} "{new.text}" ({new.start}:{new.end}) twice: kept once')
            continue
        seen.add((new.start, new.end, new.label))
        entities.append(new)
    events = []
    for event in layer.events:
        trigger = snap(event.trigger, f"{event.type} trigger")
        if trigger is None:
            continue
        arguments = []
        for argument in event.arguments:
            key = moved.get(argument.key, argument.key)
            if key is not None:
                arguments.append(Argument(argument.role, *key))
        events.append(Event(trigger, event.realis, tuple(arguments)))
    snapped_layer = dataclasses.replace(layer, entities=tuple(entities), events=tuple(events))
    return SnappedLayer(snapped_layer, tuple(changes), tuple(questions))
