"""The corpus model: documents and the annotation layers made on them.

Standard library only. Every offset is a Python ``str`` index into ``Document.text``,
end exclusive. Records check their own cheap invariants; rules that need the text, the
scheme or other records live in ``khabar.validate``.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

#: Layer kinds, from the least to the most trusted.
LAYER_KINDS = ("pre", "review", "gold", "adjudicated")


def text_sha256(text: str) -> str:
    """The hex sha256 of a canonical text, stored with every layer made on it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Document:
    """An article. ``text`` is canonical (see ``khabar.text.canonical``) and never changes."""

    id: str
    text: str
    title: str | None = None
    url: str | None = None
    published: str | None = None
    source: str | None = None

    @property
    def sha256(self) -> str:
        return text_sha256(self.text)


def kept_score(score: float) -> float:
    """A pre-annotator's score as layers keep it: ``round(score, 3)``, the same float.

    ``round`` to decimals goes through a decimal string and is slow, and a model's scores
    hardly repeat. Thousandths counted on ``score * 1000`` are the same number unless that
    product lies next to a half (its rounding error could move it across), and a whole
    number divided by 1000 is the float nearest to that decimal, as ``round`` returns.
    """
    scaled = score * 1000
    if -1e12 < scaled < 1e12:  # neither huge nor inf nor nan
        thousandths = round(scaled)
        if thousandths and abs(scaled - thousandths) < 0.49:  # 0 keeps round's sign of zero
            return thousandths / 1000
    return round(score, 3)


@dataclass(frozen=True, slots=True, init=False)
class Span:
    """An entity mention or an event trigger: ``text`` is ``document.text[start:end]``.

    ``text`` is kept with the offsets so that a shifted span is caught, not silently
    relabelled; ``khabar.validate`` checks it. ``score`` and ``rule`` say how sure a
    pre-annotator was and which rule or list produced the span; human layers leave them
    empty.
    """

    start: int
    end: int
    label: str
    text: str
    score: float | None = None
    rule: str | None = None

    def __init__(
        self, start: int, end: int, label: str, text: str, score: float | None = None, rule: str | None = None
    ) -> None:
        if not 0 <= start < end:
            raise ValueError(f"span {label} has bad offsets {start}:{end}")
        set_start, set_end, set_label, set_text, set_score, set_rule = _SPAN_FIELDS
        set_start(self, start)
        set_end(self, end)
        set_label(self, label)
        set_text(self, text)
        set_score(self, score)
        set_rule(self, rule)

    @property
    def key(self) -> tuple[int, int]:
        return (self.start, self.end)


@dataclass(frozen=True, slots=True, init=False)
class Argument:
    """A role filled by the entity span with the same offsets."""

    role: str
    start: int
    end: int

    def __init__(self, role: str, start: int, end: int) -> None:
        set_role, set_start, set_end = _ARGUMENT_FIELDS
        set_role(self, role)
        set_start(self, start)
        set_end(self, end)

    @property
    def key(self) -> tuple[int, int]:
        return (self.start, self.end)


@dataclass(frozen=True, slots=True, init=False)
class Event:
    """An event: its trigger span is labelled with the event type."""

    trigger: Span
    realis: str
    arguments: tuple[Argument, ...] = ()

    def __init__(self, trigger: Span, realis: str, arguments: tuple[Argument, ...] = ()) -> None:
        set_trigger, set_realis, set_arguments = _EVENT_FIELDS
        set_trigger(self, trigger)
        set_realis(self, realis)
        set_arguments(self, arguments)

    @property
    def type(self) -> str:
        return self.trigger.label


def _field_setters(cls: type) -> tuple[Callable[[object, Any], None], ...]:
    """The slot setters of a frozen record's fields, in order. Spans, events and arguments
    are made by the hundred thousand, and the ``__init__`` dataclasses writes for a frozen
    class goes through ``object.__setattr__`` for each field, twice as slow as the slots'
    own setters."""
    return tuple(getattr(cls, f.name).__set__ for f in fields(cls))


_SPAN_FIELDS = _field_setters(Span)
_ARGUMENT_FIELDS = _field_setters(Argument)
_EVENT_FIELDS = _field_setters(Event)


@dataclass(frozen=True, slots=True)
class Provenance:
    """Who made a layer and when.

    ``producer`` names a pre-annotator (with ``version``) or an annotator; ``task`` is
    the Label Studio task and ``annotation`` the annotation id a review came from.
    """

    producer: str
    version: str | None = None
    created: str | None = None
    task: int | None = None
    annotation: int | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Layer:
    """One set of annotations on one document, made by one producer.

    ``name`` is unique per document (``pre``, ``gold``, ``review:<annotator>``, ...);
    ``text_sha256`` is the hash of the text the offsets point into, so a layer made on
    another text is detected instead of silently shifting.
    """

    doc_id: str
    name: str
    kind: str
    text_sha256: str
    provenance: Provenance
    entities: tuple[Span, ...] = ()
    events: tuple[Event, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in LAYER_KINDS:
            raise ValueError(f"layer {self.name}: kind {self.kind!r} is not one of {LAYER_KINDS}")

    def same_annotation(self, other: Layer | None) -> bool:
        """The same spans and events on the same text (who made it, and when, do not count)."""
        return other is not None and (self.entities, self.events, self.text_sha256) == (
            other.entities,
            other.events,
            other.text_sha256,
        )


def best_layer(layers: list[Layer]) -> Layer | None:
    """The layer a release publishes: an adjudicated one, else the newest human layer
    (review or gold), else the draft."""
    if not layers:
        return None
    rank = {"pre": 0, "review": 1, "gold": 1, "adjudicated": 2}
    return max(layers, key=lambda layer: (rank[layer.kind], layer.provenance.created or "", layer.name))


STATUSES = ("pre", "in review", "reviewed", "adjudicated")


def document_status(layers: list[Layer], pushed: bool) -> str:
    """Where a document is in the flow: drafted, sent to Label Studio, reviewed, adjudicated."""
    kinds = {layer.kind for layer in layers}
    if "adjudicated" in kinds:
        return "adjudicated"
    if kinds & {"review", "gold"}:
        return "reviewed"
    return "in review" if pushed else "pre"


def created_now() -> str:
    """The time stamped on new layers: now, or ``SOURCE_DATE_EPOCH`` for reproducible runs."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.isoformat(timespec="seconds")
