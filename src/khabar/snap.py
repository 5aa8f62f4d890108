"""Snapping human spans to the guidelines: no surrounding space, punctuation or quotes,
and proclitics outside the name (GUIDELINES.md rules 1, 2 and 4).

A leading proclitic is only cut when the rest is clearly the name: it carries the
article («والناتو» -> «الناتو»), it is the ل + ال contraction («للناتو» -> «لناتو»), or the
rest is a known name («لأوكرانيا» -> «أوكرانيا»). «بايدن» and «لبنان» stay whole.
Every change is reported so a curator can see what khabar did to an annotator's span.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from khabar.entities import proclitic_analyses
from khabar.model import Argument, Document, Event, Layer, Span
from khabar.text import SPAN_EDGE, Analysis

PROCLITIC_LETTERS = frozenset("وفبكل")


def snap_span(text: str, span: Span, known: Callable[[str], bool]) -> tuple[Span | None, str | None]:
    """The snapped span (None when nothing is left) and why it changed (None when it did not)."""
    start, end = span.start, span.end
    while start < end and text[start] in SPAN_EDGE:
        start += 1
    while end > start and text[end - 1] in SPAN_EDGE:
        end -= 1
    reasons = ["white space or punctuation"] if (start, end) != (span.start, span.end) else []
    cut = _proclitic(text, start, end, known) if start < end else 0
    if cut:
        start += cut
        reasons.append("proclitic")
    if start >= end:
        return None, f'"{span.text}" ({span.start}:{span.end}) dropped: nothing left of it'
    if not reasons:
        return span, None
    snapped = dataclasses.replace(span, start=start, end=end, text=text[start:end])
    return snapped, (
        f'"{span.text}" ({span.start}:{span.end}) -> "{snapped.text}" ({start}:{end}): '
        + " and ".join(reasons)
    )


def _proclitic(text: str, start: int, end: int, known: Callable[[str], bool]) -> int:
    if text[start] not in PROCLITIC_LETTERS:
        return 0
    if start > 0 and not text[start - 1].isspace() and text[start - 1] not in SPAN_EDGE:
        return 0  # the span already starts inside a word: the annotator cut it there
    view = Analysis.of(text[start:end])
    word_end = len(view.norm.split(" ", 1)[0])
    word = view.norm[:word_end]
    rest_words = view.norm[word_end:]
    for cut, form in proclitic_analyses(word)[1:]:
        contraction = form != word[cut:]  # ل + ال, looked up with its alif restored
        article = word[cut:].startswith("ال") and len(word) - cut > 3
        if contraction or article or known(form + rest_words):
            return view.start(cut)
    return 0


def snap_layer(doc: Document, layer: Layer, known: Callable[[str], bool]) -> tuple[Layer, list[str]]:
    """A layer with every span snapped, its arguments moved along, and the list of changes."""
    changes: list[str] = []
    moved: dict[tuple[int, int], tuple[int, int] | None] = {}

    def snap(span: Span, what: str) -> Span | None:
        new, change = snap_span(doc.text, span, known)
        if change:
            changes.append(f"{what} {change}")
        moved[span.key] = new.key if new else None
        return new

    entities: list[Span] = []
    seen: set[tuple[int, int, str]] = set()
    for entity in layer.entities:
        snapped = snap(entity, entity.label)
        if snapped is None:
            continue
        if (snapped.start, snapped.end, snapped.label) in seen:
            changes.append(
                f'{entity.label} "{snapped.text}" ({snapped.start}:{snapped.end}) twice: kept once'
            )
            continue
        seen.add((snapped.start, snapped.end, snapped.label))
        entities.append(snapped)
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
    return dataclasses.replace(layer, entities=tuple(entities), events=tuple(events)), changes
