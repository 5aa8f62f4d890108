from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from khabar.corpus.model import Argument, Document, Event, Layer, Provenance, Span
from khabar.corpus.project import Project
from khabar.corpus.scheme import Scheme
from khabar.quality.results import validate_corpus
from khabar.quality.validate import validate
from tests.helpers import Record


@pytest.fixture
def seed(seed_record: Record, scheme: Scheme) -> tuple[Document, Layer]:
    from khabar.formats.interchange import from_record

    doc, gold = from_record(seed_record, scheme, provenance=Provenance("test"))
    assert gold is not None
    return doc, gold


def test_the_seed_gold_is_valid(seed: tuple[Document, Layer], scheme: Scheme) -> None:
    report = validate([(seed[0], [seed[1]])], scheme)
    assert report.ok and report.violations == [] and report.documents == 1


def span(doc: Document, start: int, end: int, label: str) -> Span:
    return Span(start, end, label, doc.text[start:end])


PLANTS: list[tuple[str, Callable[[Document, Layer], Layer], tuple[int, int]]] = [
    (
        "label",
        lambda d, g: dataclasses.replace(g, entities=(*g.entities[1:], span(d, 24, 32, "COUNTRY"))),
        (24, 32),
    ),
    (
        "span-text",
        lambda d, g: dataclasses.replace(g, entities=(*g.entities[1:], Span(24, 32, "GPE", "روسيا"))),
        (24, 32),
    ),
    (
        "offsets",
        lambda d, g: dataclasses.replace(g, entities=(*g.entities, Span(5000, 5005, "GPE", "روسيا"))),
        (5000, 5005),
    ),
    (
        "overlap",
        lambda d, g: dataclasses.replace(g, entities=(*g.entities, span(d, 26, 32, "GPE"))),
        (26, 32),
    ),
    (
        "span-edge",
        lambda d, g: dataclasses.replace(g, entities=(*g.entities[1:], span(d, 24, 33, "GPE"))),
        (24, 33),
    ),
    ("cross-sentence", lambda d, g: dataclasses.replace(g, entities=(span(d, 324, 337, "GPE"),)), (324, 337)),
    (
        "event-type",
        lambda d, g: dataclasses.replace(
            g, events=(dataclasses.replace(g.events[0], trigger=span(d, 40, 47, "MEET")),)
        ),
        (40, 47),
    ),
    (
        "realis",
        lambda d, g: dataclasses.replace(g, events=(dataclasses.replace(g.events[0], realis="maybe"),)),
        (40, 47),
    ),
    (
        "argument-entity",
        lambda d, g: dataclasses.replace(
            g, events=(Event(span(d, 40, 47, "CONSULT"), "actual", (Argument("Actor", 0, 6),)),)
        ),
        (0, 6),
    ),
    (
        "role",
        lambda d, g: dataclasses.replace(
            g, events=(Event(span(d, 40, 47, "CONSULT"), "actual", (Argument("Speaker", 65, 73),)),)
        ),
        (65, 73),
    ),
    (
        "argument-label",
        lambda d, g: dataclasses.replace(
            g, events=(Event(span(d, 40, 47, "CONSULT"), "actual", (Argument("Time", 65, 73),)),)
        ),
        (65, 73),
    ),
    (
        "argument-sentence",
        lambda d, g: dataclasses.replace(
            g, events=(Event(span(d, 40, 47, "CONSULT"), "actual", (Argument("Actor", 416, 421),)),)
        ),
        (416, 421),
    ),
    (
        "trigger-overlap",
        lambda d, g: dataclasses.replace(g, events=(*g.events, Event(span(d, 42, 47, "CONSULT"), "actual"))),
        (42, 47),
    ),
]


@pytest.mark.parametrize(("rule", "plant", "where"), PLANTS, ids=[p[0] for p in PLANTS])
def test_a_planted_error_is_caught_with_document_offsets_and_rule(
    seed: tuple[Document, Layer],
    scheme: Scheme,
    rule: str,
    plant: Callable[[Document, Layer], Layer],
    where: tuple[int, int],
) -> None:
    doc, gold = seed
    report = validate([(doc, [plant(doc, gold)])], scheme)
    found = [v for v in report.errors if v.rule == rule]
    assert found, report.violations
    assert (found[0].doc_id, found[0].layer, (found[0].start, found[0].end)) == (doc.id, "gold", where)
    assert not report.ok


def test_text_drift_is_caught(seed: tuple[Document, Layer], scheme: Scheme) -> None:
    doc, gold = seed
    edited = dataclasses.replace(doc, text=doc.text.replace("أوكرانيا", "اوكرانيا", 1))
    report = validate([(edited, [gold])], scheme)
    assert "text-drift" in report.counts()


def test_documents_with_duplicate_text_or_bad_ids_are_caught(scheme: Scheme) -> None:
    report = validate(
        [(Document("a", "نص"), []), (Document("b", "نص"), []), (Document("c/d", "آخر"), [])], scheme
    )
    assert report.counts() == {"duplicate-text": 2, "id-format": 1}


def test_invisible_characters_are_a_warning_not_an_error(scheme: Scheme) -> None:
    report = validate([(Document("a", "نص\u200fمخفي"), [])], scheme)
    assert report.ok and [v.rule for v in report.warnings] == ["invisible-chars"]


def test_every_violation_line_names_document_offsets_rule_and_hint(
    seed: tuple[Document, Layer], scheme: Scheme
) -> None:
    doc, gold = seed
    report = validate([(doc, [PLANTS[0][1](doc, gold)])], scheme)
    assert str(report.errors[0]) == (
        "error: seed-0001 [gold] 24:32: label: label 'COUNTRY' is not in the scheme "
        "(hint: entity labels: PER, ORG, GPE, LOC, FAC, NORP, DATE, TIME, MONEY)"
    )
    data = json.loads(report.to_json())
    assert data["ok"] is False and data["counts"] == {"label": 1}
    assert data["violations"][0]["start"] == 24


def test_validate_reads_the_project_store(
    new_project: Callable[..., Project], seed_record: Record, tmp_path: Path
) -> None:
    made = new_project([seed_record])
    assert validate_corpus(made).ok
