"""Pure conversions between khabar layers and Label Studio results (no server here;
tests/studio/test_studio_integration.py proves them against a real one)."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from khabar.annotate.preannotate import Annotator
from khabar.corpus import project
from khabar.corpus.model import Document, Layer, Provenance, Span, document_status
from khabar.corpus.scheme import Scheme, default_scheme_text
from khabar.formats.interchange import from_record
from khabar.formats.labelstudio import annotation_layer, label_config, layer_results, task
from khabar.quality.agreement import adjudicate, agreement, kappa
from khabar.studio.sync import config_is_current
from khabar.text.snapping import Drawn, snap_layer, snap_span
from tests.helpers import ROOT, Record


@pytest.fixture
def seed(seed_record: Record, scheme: Scheme) -> tuple[Document, Layer]:
    doc, gold = from_record(seed_record, scheme, provenance=Provenance("test"))
    assert gold is not None
    return doc, gold


def test_the_labeling_config_in_schemas_is_current() -> None:
    assert config_is_current(project.load(ROOT)), (
        "run `khabar studio config` and commit schemas/labelstudio.xml"
    )


def test_the_config_has_rtl_text_labels_relations_and_realis_per_trigger(scheme: Scheme) -> None:
    root = ET.fromstring(label_config(scheme))
    entity = root.find("Labels[@name='entity']")
    trigger = root.find("Labels[@name='trigger']")
    assert entity is not None and trigger is not None
    assert [x.get("value") for x in entity] == list(scheme.entity_labels)
    assert [x.get("hotkey") for x in trigger][:2] == ["shift+a", "shift+c"]
    assert [x.get("value") for x in root.iter("Relation")] == list(scheme.role_names)
    text_view = next(v for v in root.iter("View") if v.find("Text") is not None)
    assert "direction: rtl" in (text_view.get("style") or "")
    choices = root.find(".//Choices[@name='realis']")
    assert choices is not None and choices.get("perRegion") == "true"


def test_label_descriptions_cannot_inject_xml() -> None:
    text = default_scheme_text().replace("A named person.", 'A "person"/><Label value="EVIL"/> <x')
    root = ET.fromstring(label_config(Scheme.parse(text)))
    entity = root.find("Labels[@name='entity']")
    assert entity is not None and "EVIL" not in [x.get("value") for x in entity]


def test_a_layer_survives_the_trip_through_label_studio_results(
    seed: tuple[Document, Layer], scheme: Scheme
) -> None:
    doc, gold = seed
    back = annotation_layer(doc, layer_results(doc, gold), scheme, Provenance("ann@x"))
    assert back.entities == tuple(sorted(gold.entities, key=lambda s: (s.start, s.end)))
    assert sorted(back.events, key=lambda e: e.trigger.start) == sorted(
        gold.events, key=lambda e: e.trigger.start
    )
    assert back.name == "review:ann@x" and back.kind == "review"


def test_tasks_carry_the_text_our_keys_and_the_draft_with_scores(seed: tuple[Document, Layer]) -> None:
    doc, gold = seed
    scored = dataclasses.replace(
        gold,
        entities=tuple(dataclasses.replace(s, score=0.5) for s in gold.entities),
        provenance=Provenance("khabar-rules", "9"),
    )
    record = task(
        dataclasses.replace(doc, title="عنوان", source="aljazeera", published="2024-05-01"),
        scored,
        position=7,
    )
    assert record["data"] == {
        "text": doc.text,
        "title": "عنوان",
        "source": "aljazeera",
        "published": "2024-05-01",
        "position": 7,
        "doc_id": doc.id,
    }
    assert record["meta"] == {
        "doc_id": doc.id,
        "sha256": doc.sha256,
        "part": 1,
        "parts": 1,
        "start": 0,
        "end": len(doc.text),
    }
    (draft,) = record["predictions"]
    assert draft["model_version"].startswith("khabar-rules-9-") and draft["score"] == 0.5
    assert len([r for r in draft["result"] if r["type"] == "relation"]) == sum(
        len(e.arguments) for e in gold.events
    )


def region(rid: str, name: str, start: int, end: int, label: str, text: str) -> dict[str, Any]:
    return {
        "id": rid,
        "from_name": name,
        "to_name": "text",
        "type": "labels",
        "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]},
    }


@pytest.mark.parametrize(
    ("results", "message"),
    [
        (lambda t: [region("a", "entity", 24, 32, "COUNTRY", t)], "not one entity label"),
        (lambda t: [region("a", "entity", 2000, 9000, "GPE", t)], "outside the text"),
        (
            lambda t: [
                region("a", "trigger", 40, 47, "CONSULT", t),
                region("b", "entity", 65, 73, "PER", t),
                {"type": "relation", "from_id": "a", "to_id": "b", "labels": ["Speaker"]},
            ],
            "role 'Speaker'",
        ),
        (
            lambda t: [
                {
                    **region("a", "entity", 24, 32, "GPE", t),
                    "value": {"start": 24, "end": 32, "text": "روسيا", "labels": ["GPE"]},
                }
            ],
            "says 'روسيا'",
        ),
    ],
)
def test_bad_annotations_are_refused_with_the_reason(
    seed: tuple[Document, Layer], scheme: Scheme, results: Callable[[str], list[dict[str, Any]]], message: str
) -> None:
    doc, _ = seed
    with pytest.raises(ValueError, match=message):
        annotation_layer(doc, results(doc.text), scheme, Provenance("ann"))


def known(phrase: str) -> bool:
    return phrase in {"اوكرانيا", "الناتو", "كاليفورنيا", "فالنسيا", "وجده", "جده"}


@pytest.mark.parametrize(
    ("text", "start", "end", "expected"),
    [
        ("قال «بايدن» أمس", 4, 11, "بايدن"),  # quotes
        ("قال بايدن، أمس", 4, 10, "بايدن"),  # comma
        ("قال  بايدن أمس", 3, 10, "بايدن"),  # spaces
        ("انضمام لأوكرانيا", 7, 16, "أوكرانيا"),  # known name after a proclitic, the whole unknown
        ("وقدمت وثائق للناتو", 12, 18, "لناتو"),  # ل + ال contraction
        ("وقدمت وثائق وللناتو", 12, 19, "لناتو"),  # and behind a conjunction
        ("قال والناتو", 4, 11, "الناتو"),  # conjunction before a known name with the article
        ("قال بايدن", 4, 9, "بايدن"),  # a name that starts with ب stays whole
        ("قال لبنان", 4, 9, "لبنان"),  # and one that starts with ل
        ("زار كاليفورنيا", 4, 14, "كاليفورنيا"),  # a known name that reads as ك + ال…
        ("زار فالنسيا", 4, 11, "فالنسيا"),  # and as ف + ال…
        ("زار «كاليفورنيا»", 4, 16, "كاليفورنيا"),  # its quotes still go
    ],
)
def test_snapping_trims_edges_and_clear_proclitics_only(
    text: str, start: int, end: int, expected: str
) -> None:
    snapped = snap_span(text, Span(start, end, "GPE", text[start:end]), known)
    assert (
        snapped.span is not None
        and snapped.span.text == expected == text[snapped.span.start : snapped.span.end]
    )
    assert (snapped.change is None) == (text[start:end] == expected)
    assert snapped.question is None


def test_shipped_names_that_read_as_a_proclitic_and_the_article_stay_whole() -> None:
    lookup = Annotator.load().known
    for name in ("كاليفورنيا", "فالنسيا", "كالياري", "باليرمو", "والونيا"):
        assert lookup(name), f"{name} is no longer a shipped name: choose another"
        text = f"زار الرئيس {name} أمس"
        snapped = snap_span(text, Span(11, 11 + len(name), "GPE", name), lookup)
        assert (snapped.span, snapped.change, snapped.question) == (
            Span(11, 11 + len(name), "GPE", name),
            None,
            None,
        )


@pytest.mark.parametrize(
    ("text", "start", "end", "proclitic"),
    [
        ("قال والمجلس", 4, 11, "و"),  # an unknown word with the article: و, or a name «والمجلس»?
        ("قال وبالمجلس", 4, 12, "وب"),
        ("زار وجده", 4, 8, "و"),  # Oujda, or و + Jeddah: both are known names
    ],
)
def test_a_proclitic_that_is_possible_but_not_certain_is_kept_and_asked(
    text: str, start: int, end: int, proclitic: str
) -> None:
    span = Span(start, end, "ORG", text[start:end])
    snapped = snap_span(text, span, known)
    assert snapped.span == span and snapped.change is None
    assert snapped.question is not None
    assert snapped.question.startswith(
        f'"{span.text}" ({start}:{end}): may start with the proclitic {proclitic} ('
    )
    assert snapped.question.endswith("; kept as drawn")


def test_a_models_span_takes_the_article_reading_but_never_cuts_a_known_name() -> None:
    text = "قال والمجلس إن كاليفورنيا"
    drafted = snap_span(text, Span(4, 11, "ORG", "والمجلس"), known, Drawn.MACHINE)
    assert drafted.span is not None and drafted.span.text == "المجلس" and drafted.question is None
    whole = snap_span(text, Span(15, 25, "GPE", "كاليفورنيا"), known, Drawn.MACHINE)
    assert whole.span == Span(15, 25, "GPE", "كاليفورنيا") and whole.change is None


@pytest.mark.parametrize(("text", "start"), [("قال «بايدن»", 10), ("«»", 0), ("قال بايدن، .", 9)])
def test_a_span_of_only_punctuation_is_dropped_even_at_the_end_of_the_text(text: str, start: int) -> None:
    snapped = snap_span(text, Span(start, len(text), "GPE", text[start:]), known)
    assert snapped.span is None and snapped.change is not None and "nothing left" in snapped.change


def test_snapping_moves_arguments_with_their_entities(seed: tuple[Document, Layer], scheme: Scheme) -> None:
    doc, gold = seed
    # an annotator selected «لبوتين» (167:173) for the recipient of تحذير
    grown = tuple(
        dataclasses.replace(s, start=167, text=doc.text[167:173]) if s.start == 168 else s
        for s in gold.entities
    )
    events = tuple(
        dataclasses.replace(
            e,
            arguments=tuple(dataclasses.replace(a, start=167) if a.start == 168 else a for a in e.arguments),
        )
        for e in gold.events
    )
    snapped = snap_layer(
        doc, dataclasses.replace(gold, entities=grown, events=events), lambda p: p == "بوتين"
    )
    assert snapped.layer == gold
    assert snapped.changes == ('PER "لبوتين" (167:173) -> "بوتين" (168:173): proclitic',)
    assert snapped.questions == ()


def test_a_layer_keeps_an_uncertain_span_as_drawn_and_lists_one_question() -> None:
    doc = Document("d", "وقال والمجلس إن كاليفورنيا رفضت «لأوكرانيا».")
    drawn = (
        Span(5, 12, "ORG", "والمجلس"),
        Span(16, 26, "GPE", "كاليفورنيا"),
        Span(32, 43, "GPE", "«لأوكرانيا»"),
    )
    layer = Layer(doc.id, "review:a", "review", doc.sha256, Provenance("a"), drawn)
    snapped = snap_layer(doc, layer, known)
    assert snapped.layer.entities == (drawn[0], drawn[1], Span(34, 42, "GPE", "أوكرانيا"))
    assert snapped.changes == (
        'GPE "«لأوكرانيا»" (32:43) -> "أوكرانيا" (34:42): white space or punctuation and proclitic',
    )
    assert snapped.questions == (
        'ORG "والمجلس" (5:12): may start with the proclitic و (the rest is not a known name); kept as drawn',
    )


def review(doc: Document, who: str, spans: list[tuple[int, int, str]]) -> Layer:
    return Layer(
        doc.id,
        f"review:{who}",
        "review",
        doc.sha256,
        Provenance(who),
        tuple(Span(a, b, lab, doc.text[a:b]) for a, b, lab in spans),
    )


def test_agreement_and_majority_adjudication() -> None:
    doc = Document("d", "قال بايدن إن روسيا وأوكرانيا")
    a = review(doc, "a", [(4, 9, "PER"), (13, 18, "GPE"), (20, 28, "GPE")])
    b = review(doc, "b", [(4, 9, "PER"), (13, 18, "GPE"), (20, 28, "LOC")])
    c = review(doc, "c", [(4, 9, "PER"), (13, 18, "ORG")])
    (ab, _, _) = agreement([(doc, [a, b, c])], ("PER", "GPE", "LOC", "ORG"))
    assert (ab.a, ab.b, ab.documents) == ("a", "b", 1)
    assert ab.entity_f1 == pytest.approx(2 / 3)
    assert 0 < ab.token_kappa < 1 and ab.label_kappa["PER"] == 1.0
    layer, disagreements = adjudicate(doc, [a, b, c])
    assert [(s.start, s.end, s.label) for s in layer.entities] == [(4, 9, "PER"), (13, 18, "GPE")]
    assert {(d.start, d.end) for d in disagreements} == {(13, 18), (20, 28)}
    assert layer.kind == "adjudicated" and "majority of 3" in (layer.provenance.note or "")
    preferred, _ = adjudicate(doc, [a, b], prefer="b")
    assert (20, 28, "LOC") in [(s.start, s.end, s.label) for s in preferred.entities]


def test_kappa_is_one_for_identical_and_zero_for_chance() -> None:
    assert kappa(["A", "B", "O"], ["A", "B", "O"]) == 1.0
    assert kappa(["A", "A", "B", "B"], ["A", "B", "A", "B"]) == pytest.approx(0.0)


def test_status_follows_the_layers() -> None:
    doc = Document("d", "نص")
    pre = Layer("d", "pre", "pre", doc.sha256, Provenance("khabar-rules"))
    assert document_status([pre], pushed=False) == "pre"
    assert document_status([pre], pushed=True) == "in review"
    assert document_status([pre, review(doc, "a", [])], pushed=True) == "reviewed"
    adjudicated = dataclasses.replace(pre, name="adjudicated", kind="adjudicated")
    assert document_status([pre, adjudicated], pushed=True) == "adjudicated"


def test_new_projects_get_a_current_labeling_config(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from khabar.cli import app

    result = CliRunner().invoke(app, ["init", str(tmp_path / "p")])
    assert result.exit_code == 0
    assert config_is_current(project.load(tmp_path / "p"))
    assert "next: `khabar ingest ARTICLES" in result.output  # an own corpus goes through review


def test_a_task_size_below_one_is_refused_before_any_server_is_asked(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from khabar.cli import app

    assert CliRunner().invoke(app, ["init", str(tmp_path / "p")]).exit_code == 0
    result = CliRunner().invoke(app, ["push", "--task-size", "-2", "-P", str(tmp_path / "p")])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "error: --task-size -2: a task holds at least one sentence "
        "(e.g. --task-size 10; leave it out to send whole documents)"
    ]
