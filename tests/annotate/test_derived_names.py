"""The rules of issue 21: given names and surnames of the derived lists, the actor
dictionary, facilities after a head noun, news agencies in credits, durations as dates."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
import yaml

from khabar.annotate import gazetteer
from khabar.annotate.preannotate import Annotator, run
from khabar.corpus.model import Document

PACKAGE = Path(str(resources.files("khabar")))


@pytest.fixture(scope="module")
def shipped() -> Annotator:
    return Annotator.load(events=False)


def spans(text: str, annotator: Annotator) -> list[tuple[str, str]]:
    return [(s.text, s.label) for s in run(Document("d", text), annotator).entities]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a common given name and a listed surname, foreign ones too, behind a proclitic
        ("والتقى جاك شيراك نظراءه", ("جاك شيراك", "PER")),
        ("وصرح سعد سيروب للصحفيين", ("سعد سيروب", "PER")),
        ("واستقبل وجاك شيراك", ("جاك شيراك", "PER")),
        # a person of the actor dictionary
        ("وصل أرييل شارون", ("أرييل شارون", "PER")),
        # a facility after its head noun
        ("انفجرت عبوة قرب جامع الرحمن", ("جامع الرحمن", "FAC")),
        # news agencies credited
        ("دمار في المدينة ( الفرنسية )", ("الفرنسية", "ORG")),
        ("كاتمندو - د ب أ : عانت", ("د ب أ", "ORG")),
    ],
)
def test_names_from_the_derived_lists(text: str, expected: tuple[str, str], shipped: Annotator) -> None:
    assert expected in spans(text, shipped)


@pytest.mark.parametrize(
    "text",
    [
        "أعلن الجيش حسن سير العملية",  # حسن "good": a common word, never a given name alone
        "صدر بيان باسم الجيش",  # باسم "in the name of"
        "صباح الخير يا عراق",  # صباح "morning"
        "قالت الفرنسية إنها تعود",  # a nationality outside a credit
        "سوق الأسهم السعودية",  # a market, not a building
    ],
)
def test_common_words_are_not_names(text: str, shipped: Annotator) -> None:
    assert not [s for s in spans(text, shipped) if s[1] in ("PER", "FAC", "ORG")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("وقع الانفجار صباح أمس في السوق", ("صباح أمس", "TIME")),
        ("اعتقل منذ ثلاث سنوات", ("منذ ثلاث سنوات", "DATE")),
        ("وصل قبل 12 يوما", ("قبل 12 يوما", "DATE")),
        ("استمر القصف يومين", ("يومين", "DATE")),
        ("بلغت 197 مليونا و420 ألف دولار", ("197 مليونا و420 ألف دولار", "MONEY")),
        # a date's day word, month word, other calendar and part of a period are in its span
        ("ويبحثه مجلس الأمن يوم غد الاثنين", ("يوم غد الاثنين", "DATE")),
        ("دمر متظاهرون مضخاتهم يومي السبت والأحد الماضيين", ("يومي السبت والأحد الماضيين", "DATE")),
        ("خلال شهر رمضان", ("شهر رمضان", "DATE")),
        ("في الخامس من مايو / أيار الماضي", ("الخامس من مايو / أيار الماضي", "DATE")),
        ("يلتقون مطلع الأسبوع المقبل", ("مطلع الأسبوع المقبل", "DATE")),
        # a number glued to the word before it, as some news text writes it
        ("بلغت قيمتها405 ملايين و24 ألف دولار", ("405 ملايين و24 ألف دولار", "MONEY")),
        ("تمويلا قدره5 ملايين دولار", ("5 ملايين دولار", "MONEY")),
    ],
)
def test_durations_parts_of_a_day_and_amounts(
    text: str, expected: tuple[str, str], shipped: Annotator
) -> None:
    assert expected in spans(text, shipped)


def test_the_person_names_are_read_as_yaml_reads_them() -> None:
    """The fast reader of the committed list gives what the YAML parser gives, and leaves
    what it does not know (a mapping, a quoted name) to the parser."""
    text = (PACKAGE / "data" / "gazetteer" / "candidates" / "derived-person-names.yaml").read_text(
        encoding="utf-8"
    )
    assert gazetteer.read_person_names(text) == yaml.safe_load(text)
    odd = "given:\n  1:\n  - 'a: b'\n  - c\nsource: x\n"
    assert gazetteer.read_person_names(odd) == yaml.safe_load(odd)
