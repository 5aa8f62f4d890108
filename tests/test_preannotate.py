from __future__ import annotations

from collections.abc import Callable

import pytest

from conftest import Record
from khabar.gazetteer import Entry, Gazetteer
from khabar.model import Document
from khabar.preannotate import proclitic_analyses, run
from khabar.project import Project
from khabar.workflow import preannotate_corpus


@pytest.fixture
def names() -> Gazetteer:
    gazetteer = Gazetteer()
    for name, label in [
        ("أوكرانيا", "GPE"),
        ("الناتو", "ORG"),
        ("بايدن", "PER"),
        ("لبنان", "GPE"),
        ("واشنطن", "GPE"),
        ("فرنسا", "GPE"),
        ("كييف", "GPE"),
        ("الولايات المتحدة", "GPE"),
        ("حلف شمال الأطلسي", "ORG"),
    ]:
        gazetteer.add(name, Entry(label, "list:test", 0.9))
    return gazetteer


def found(text: str, names: Gazetteer) -> list[tuple[str, str]]:
    layer = run(Document("d", text), names)
    assert all(text[s.start : s.end] == s.text for s in layer.entities)
    return [(s.text, s.label) for s in layer.entities]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("لأوكرانيا", [("أوكرانيا", "GPE")]),
        ("وبأوكرانيا", [("أوكرانيا", "GPE")]),
        ("للناتو", [("لناتو", "ORG")]),
        ("وللناتو", [("لناتو", "ORG")]),
        ("والناتو", [("الناتو", "ORG")]),
        ("لـ«الناتو»", [("الناتو", "ORG")]),
        ("بالولايات المتحدة", [("الولايات المتحدة", "GPE")]),
        ("لحلف شمال الأطلسى", [("حلف شمال الأطلسى", "ORG")]),
        ("بِأُوكْرانِيا", [("أُوكْرانِيا", "GPE")]),
        ("أوكـــرانيا", [("أوكـــرانيا", "GPE")]),
    ],
)
def test_proclitics_stay_outside_the_span(
    text: str, expected: list[tuple[str, str]], names: Gazetteer
) -> None:
    assert found(text, names) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("بايدن", "بايدن"),
        ("لبايدن", "بايدن"),
        ("وبايدن", "بايدن"),
        ("لبنان", "لبنان"),
        ("ولبنان", "لبنان"),
        ("للبنان", "لبنان"),
        ("واشنطن", "واشنطن"),
        ("وواشنطن", "واشنطن"),
        ("فرنسا", "فرنسا"),
        ("لكييف", "كييف"),
    ],
)
def test_names_that_begin_with_clitic_letters_are_not_over_stripped(
    text: str, expected: str, names: Gazetteer
) -> None:
    assert [surface for surface, _ in found(text, names)] == [expected]


def test_letters_glued_before_a_name_block_the_match(names: Gazetteer) -> None:
    assert found("مأوكرانيا", names) == []


def test_whole_word_first_then_fewest_letters_stripped() -> None:
    assert proclitic_analyses("للناتو") == [(0, "للناتو"), (1, "الناتو"), (1, "لناتو")]
    assert proclitic_analyses("بايدن")[0] == (0, "بايدن")


def test_the_layer_records_producer_version_and_rule(names: Gazetteer) -> None:
    layer = run(Document("d", "قال بايدن"), names)
    assert layer.kind == "pre" and layer.provenance.producer == "khabar-rules"
    assert layer.provenance.version and names.version in layer.provenance.version
    assert layer.entities[0].rule == "list:test" and layer.entities[0].score == 0.9


def test_preannotating_again_writes_nothing_new(
    new_project: Callable[..., Project], paragraph_records: list[Record]
) -> None:
    made = new_project(paragraph_records)
    first = preannotate_corpus(made)
    assert first.written == 10
    before = [p.read_bytes() for p in sorted(made.annotations_dir.glob("*.jsonl"))]
    again = preannotate_corpus(made)
    assert again.written == 0
    assert [p.read_bytes() for p in sorted(made.annotations_dir.glob("*.jsonl"))] == before
