from __future__ import annotations

import pytest

from khabar.corpus.scheme import Scheme, default_scheme_text
from khabar.errors import SchemeError
from tests.helpers import ROOT


def test_the_repository_scheme_is_the_one_khabar_ships() -> None:
    assert (ROOT / "schemas" / "scheme.yaml").read_text(encoding="utf-8") == default_scheme_text()


def test_default_scheme_has_the_guidelines_labels(scheme: Scheme) -> None:
    assert scheme.entity_labels == ("PER", "ORG", "GPE", "LOC", "FAC", "NORP", "DATE", "TIME", "MONEY")
    assert len(scheme.event_types) == 16 and "THREATEN" in scheme.event_types
    assert scheme.role_names == ("Actor", "Recipient", "Place", "Time")
    assert scheme.realis_values == ("actual", "generic", "other")


def test_tag_sets_derive_from_the_labels(scheme: Scheme) -> None:
    tags = scheme.ner_tags()
    assert tags[0] == "O" and len(tags) == 1 + 2 * len(scheme.entity_labels)
    assert "B-GPE" in tags and "I-GPE" in tags
    assert "B-THREATEN" in scheme.event_tags()


def edit(old: str, new: str) -> str:
    text = default_scheme_text()
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('color: "#e6194b"', 'color: "red"', r"entities.PER.color: 'red' is not a colour"),
        ("hotkey: o\n", "hotkey: p\n", "hotkey 'p' is used by both PER and ORG"),
        ("  PER:\n", "  Per:\n", "entities.Per: a label is written in capitals"),
        ("entities: [DATE, TIME]", "entities: [DATE, CLOCK]", "roles.Time.entities: CLOCK not among"),
        ("  actual: It happened", "  Actual: It happened", "realis.Actual"),
    ],
)
def test_a_broken_scheme_is_refused_with_the_place_and_the_rule(old: str, new: str, message: str) -> None:
    with pytest.raises(SchemeError, match=message):
        Scheme.parse(edit(old, new), where="scheme.yaml")


def test_scheme_hash_changes_with_its_text() -> None:
    assert Scheme.parse(default_scheme_text()).sha256 != Scheme.parse(edit("version: 1", "version: 2")).sha256
