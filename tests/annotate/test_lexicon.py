"""The event lexicon: derived from PETRARCH's Arabic verb dictionaries through the
CAMEO->PLOVER crosswalk (tools/derive_lexicon.py), then reviewed into events.yaml."""

from __future__ import annotations

import functools
import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from khabar.annotate.gazetteer import load_triggers
from khabar.annotate.preannotate import Annotator, run
from khabar.annotate.triggers import TriggerLexicon, noun_forms, verb_forms
from khabar.corpus.model import Document
from khabar.corpus.scheme import Scheme
from khabar.errors import InputError
from tests.helpers import ROOT

EXTERNAL = ROOT.parent / "shared" / "data" / "external"
DERIVED = ROOT / "src" / "khabar" / "data" / "lexicon" / "candidates" / "derived-events.yaml"
ARABIC = re.compile("[\u0621-\u064a]")
# Words listed under two types on purpose (none so far: a phrase head such as رفع or أطلق is
# a verb_phrase, and its phrases decide: رفع العقوبات CONCEDE, رفع الحصار RETREAT).
SHARED_ON_PURPOSE: frozenset[str] = frozenset()


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("derive_lexicon", ROOT / "tools" / "derive_lexicon.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["derive_lexicon"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


tool = _tool()

CROSSWALK = """\
# CAMEO to PLOVER conversion table (fixture)
18: ASSAULT
180: ASSAULT, ,    # Use unconventional violence
1823: ASSAULT, ,    # Kill by physical assault
141: PROTEST, demo,               # Demonstrate or rally
173: COERCE, arrest, legal            # Arrest, detain
0871: RETREAT, ceasefire, military # Declare truce
08: CONCEDE
08: RETREAT
200: MASSACRE, , # a type the scheme does not have
"""

VERBS = """\
####### VERB PATTERNS #######
--- قَتَلَ [1823] ---
قَتَلَ                             # kill
اغتـال                [180]     # assassinate
ABC                   [180]     # latin only
لم                    [180]     # too short
ذبح                   [200]     # unknown type
حاول                  [013]     # no PLOVER type
+                     [180]     # empty once cleaned
- * هجوم [180] # قتل
- * &MILITARY [141] # قتل


--- اعتقل [---] ---
اعتقل                 [173]     # arrest
احتجز                           # no code at all
"""

SYNSETS = """\
&MILITARY
+جيش_
"""


def _fixture(tmp_path: Path) -> Path:
    (tmp_path / "plover").mkdir()
    (tmp_path / "plover" / "CAMEO2PLOVER-2021.txt").write_text(CROSSWALK, encoding="utf-8")
    folder = tmp_path / "universalpetrarch"
    folder.mkdir()
    (folder / "CAMEO.ar.0.5.txt").write_text(VERBS, encoding="utf-8")
    (folder / "verbs_assualt_only.txt").write_text("--- ذبح [180] ---\nذبح  # slaughter\n", encoding="utf-8")
    (folder / "synsets.ar.txt").write_text(SYNSETS, encoding="utf-8")
    return tmp_path


TYPES = {"ASSAULT", "PROTEST", "COERCE", "RETREAT", "CONCEDE"}


def test_derivation_maps_verbs_through_the_crosswalk(tmp_path: Path) -> None:
    result = tool.derive(_fixture(tmp_path), TYPES)
    assault = result.entries["ASSAULT"]
    assert assault["قتل"] == [
        "CAMEO.ar.0.5.txt:2 [1823] verb mode= context=",  # the group line
        "CAMEO.ar.0.5.txt:3 [1823] verb mode= context=",
    ]
    assert assault["اغتال"] == ["CAMEO.ar.0.5.txt:4 [180] verb mode= context="]  # tatweel dropped
    assert assault["قتل هجوم"] == ["CAMEO.ar.0.5.txt:10 [180] phrase mode= context="]
    assert assault["ذبح"] == [
        "verbs_assualt_only.txt:1 [180] verb mode= context=",
        "verbs_assualt_only.txt:2 [180] verb mode= context=",
    ]
    assert result.entries["COERCE"] == {"اعتقل": ["CAMEO.ar.0.5.txt:15 [173] verb mode=arrest context=legal"]}


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("CAMEO.ar.0.5.txt:5: no Arabic letter: 'ABC'", "no Arabic letter"),
        ("CAMEO.ar.0.5.txt:6: would match inside a longer word: 'لم'", "would match inside a longer word"),
        ("CAMEO.ar.0.5.txt:7: unknown PLOVER type: 'ذبح'", "unknown PLOVER type"),
        (
            "CAMEO.ar.0.5.txt:8: CAMEO code maps to no PLOVER type: 'حاول'",
            "CAMEO code maps to no PLOVER type",
        ),
        ("CAMEO.ar.0.5.txt:9: empty: ''", "empty"),
    ],
)
def test_derivation_refuses_bad_entries_with_their_source_line(
    tmp_path: Path, line: str, reason: str
) -> None:
    result = tool.derive(_fixture(tmp_path), TYPES)
    assert any(refused.startswith(line) for refused in result.refused), result.refused
    assert result.dropped[reason] == 1


def test_derivation_counts_what_names_no_event(tmp_path: Path) -> None:
    result = tool.derive(_fixture(tmp_path), TYPES)
    assert result.dropped["verb without a CAMEO code (own or group)"] == 1  # احتجز
    assert result.dropped["pattern over a synonym set (an object class, not a trigger)"] == 1
    assert "MASSACRE" not in result.entries


def test_a_code_claimed_by_two_types_maps_to_none(tmp_path: Path) -> None:
    crosswalk = tool.read_crosswalk(_fixture(tmp_path) / "plover" / "CAMEO2PLOVER-2021.txt")
    assert "08" not in crosswalk  # «08: CONCEDE» and «08: RETREAT»
    assert tool.plover("0871", crosswalk).type == "RETREAT"
    assert tool.plover("18234", crosswalk).mode == ""  # the nearest parent: 1823


def test_the_tool_prints_its_counts_and_checks_the_committed_file(tmp_path: Path, capsys: Any) -> None:
    output = tmp_path / "derived.yaml"
    assert tool.main([str(_fixture(tmp_path)), "--output", str(output)]) == 0
    printed = capsys.readouterr().out
    assert "dropped 1: no Arabic letter" in printed
    assert "derived " in printed
    assert tool.main([str(tmp_path), "--output", str(output), "--check"]) == 0
    output.write_text("stale\n", encoding="utf-8")
    assert tool.main([str(tmp_path), "--output", str(output), "--check"]) == 1


@pytest.mark.skipif(not (EXTERNAL / "universalpetrarch").is_dir(), reason="../shared/data/external is absent")
def test_the_committed_derived_file_is_what_the_tool_derives() -> None:
    result = tool.derive(EXTERNAL, tool.scheme_types())
    assert DERIVED.read_text(encoding="utf-8") == tool.render(result), "run `nox -s lexicon`"
    assert set(result.entries) <= tool.scheme_types()


# --- the reviewed lexicon (events.yaml) ----------------------------------------------------


@functools.cache
def _triggers() -> dict[str, Any]:
    return load_triggers()


def _entries() -> list[tuple[str, str, str]]:
    listed = [
        (etype, key, entry)
        for etype, spec in _triggers().items()
        for key in ("verbs", "nouns", "phrases", "verb_phrases")
        for entry in spec.get(key, [])
    ]
    many_sensed = [
        (etype, key + "s", sense[key])
        for etype, spec in _triggers().items()
        for sense in spec.get("senses", [])
        for key in ("verb", "noun")
        if key in sense
    ]
    return listed + many_sensed


def test_every_reviewed_entry_has_an_arabic_letter_and_a_known_type(scheme: Scheme) -> None:
    assert set(_triggers()) == set(scheme.event_types)
    for etype, key, entry in _entries():
        assert isinstance(entry, str) and ARABIC.search(entry), (etype, key, entry)
        assert 0 < float(_triggers()[etype]["score"]) <= 1


def test_no_reviewed_entry_is_listed_under_two_types() -> None:
    seen: dict[tuple[str, str], str] = {}
    for etype, key, entry in _entries():
        if key == "verb_phrases":
            continue  # a phrase head: only its phrases are triggers
        word = entry.partition("/")[0]
        kind = "phrase" if key == "phrases" else "word"
        other = seen.setdefault((kind, word), etype)
        assert other == etype or word in SHARED_ON_PURPOSE, (word, other, etype)


def test_speech_verbs_are_not_triggers() -> None:
    # a speech verb may head a phrase that is an event («أعلن استعداده»، «اعترف بدولة»), never alone
    alone = {entry.partition("/")[0] for _, key, entry in _entries() if key != "verb_phrases"}
    assert not alone & {"قال", "أكد", "أوضح", "نفى", "زعم", "اعترف", "أعلن"}


def test_forms_news_writes() -> None:
    assert {"قتلوه", "يقتلوا", "اصيب", "يصاب", "اصيبوا"} <= {
        *verb_forms("قتل"),
        *{f + "ه" for f in verb_forms("قتل")},
        *verb_forms("أصيب/يصاب"),
    }
    assert {"يعتدون", "يعتدي", "اعتدوا"} <= verb_forms("اعتدى/يعتدي")  # a weak last radical
    assert {"يدعون", "يدعوان"} <= verb_forms("دعا/يدعو")
    assert {"ترد", "ردوا", "يردون"} <= verb_forms("رد")  # a doubled root
    assert {"مداهمت", "المداهمه"} <= noun_forms("مداهمة")  # مداهمته: the enclitic is cut off
    assert "لقاي" in noun_forms("لقاء")  # لقائها: the hamza on a ya before an enclitic


# --- behaviour, on sentences written for these tests -----------------------------------------


@functools.cache
def _annotator() -> Annotator:
    return Annotator.load()


def _events(text: str) -> list[tuple[str, str, str]]:
    layer = run(Document("t", text), _annotator())
    return [(e.type, e.trigger.text, e.realis) for e in layer.events]


@pytest.mark.parametrize(
    ("text", "etype", "trigger"),
    [
        ("قتل ثلاثة أشخاص في انفجار سيارة مفخخة", "ASSAULT", "قتل"),
        ("قتل ثلاثة أشخاص في انفجار سيارة مفخخة", "ASSAULT", "انفجار"),
        ("أصيب عشرون شخصا بجروح", "ASSAULT", "أصيب"),
        ("اختطف مسلحون صحفيا أجنبيا", "ASSAULT", "اختطف"),
        ("أطلقوا النار على الحافلة", "ASSAULT", "أطلقوا النار"),
        ("نددت الحكومة باغتيال الوزير", "ASSAULT", "اغتيال"),
        ("وقد لقوا مصرعهم في الحادث", "ASSAULT", "لقوا مصرعهم"),
        ("تظاهر آلاف أمام البرلمان", "PROTEST", "تظاهر"),
        ("اعتصم العمال أمام المصنع", "PROTEST", "اعتصم"),
        ("دخل الأسرى في إضراب عن الطعام", "PROTEST", "إضراب عن الطعام"),
        ("اعتقلت الشرطة خمسة من المشتبه بهم", "COERCE", "اعتقلت"),
        ("داهمت القوات منزلا في المدينة", "COERCE", "داهمت"),
        ("أطلق سراح عشرة معتقلين", "RETREAT", "أطلق سراح"),
        ("وقعت اتفاقية للتجارة مع جيرانها", "AGREE", "وقعت اتفاقية"),
        ("خلال لقائها نظيرتها الفرنسية", "CONSULT", "لقائها"),
        ("أدى الانفجار إلى إصابته بجروح", "ASSAULT", "إصابته"),
        ("عقد الوزيران اجتماعا في القاهرة", "CONSULT", "اجتماعا"),
        ("ترفض الحكومة التفاوض مع الحركة", "CONSULT", "التفاوض"),
        ("أجرى محادثات هاتفية مع نظيره", "CONSULT", "محادثات هاتفية"),
    ],
)
def test_new_triggers_are_drafted(text: str, etype: str, trigger: str) -> None:
    found = _events(text)
    assert (etype, trigger) in [(t, s) for t, s, _ in found], found


def test_doubtful_words_are_left_out() -> None:
    assert _events("ضرب مثلا في الصبر") == []
    assert _events("وصل الوفد فجر اليوم") == []
    assert _events("قال الوزير وأكد وأوضح") == []
    assert [t for t, _, _ in _events("خرج المتظاهرون احتجاجا على القرار")] == []


@pytest.mark.parametrize(
    ("event", "word", "other_sense", "other_word"),
    [
        ("ضربت القوات مواقع المسلحين", "ضربت", "ضرب المدرب مثلا في الصبر", "ضرب"),  # set an example
        ("ضرب المسلحون القرية", "ضرب", "ضرب زلزال قوي المدينة", "ضرب"),  # a disaster strikes
        ("ضربت الحكومة المتظاهرين", "ضربت", "ضربت الحكومة بالقرار عرض الحائط", "ضربت"),  # ignored
        ("فجر انتحاري نفسه في السوق", "فجر", "فجر الوزير الأزمة بتصريحاته", "فجر"),  # sparked
        ("فجروا عبوة ناسفة", "فجروا", "اعتقل الجيش فجر أمس تسعة مواطنين", "فجر"),  # dawn
        ("فجر مسلحون سيارة", "فجر", "استيقظ الناس عند الفجر", "الفجر"),
        ("احتلت القوات المدينة", "احتلت", "احتل المنتخب المركز الثاني", "احتل"),  # came second
        ("توصل الطرفان إلى اتفاق", "اتفاق", "وقعت الهجمات بموجب الاتفاق", "الاتفاق"),  # a treaty made
        ("رحبت باتفاقية جديدة", "اتفاقية", "قبلت الحركة بالاتفاقيات الموقعة", "الاتفاقيات"),
        ("عذب السجناء في المعتقل", "عذب", "شرب الناس ماء عذب", "عذب"),  # sweet
        # a phrase: shooting, or a ceasefire
        ("قتل شخصان في إطلاق نار", "إطلاق نار", "دعا إلى وقف فوري لإطلاق النار", "إطلاق النار"),
    ],
)
def test_a_many_sensed_word_is_drafted_only_where_its_context_says_event(
    event: str, word: str, other_sense: str, other_word: str
) -> None:
    assert word in [t for _, t, _ in _events(event)]
    assert other_word not in [t for _, t, _ in _events(other_sense)]


def test_the_context_of_a_sense_stops_at_punctuation() -> None:
    # «عن» after the comma belongs to the next clause: ضربت still hit
    assert ("ASSAULT", "ضربت") in [(t, s) for t, s, _ in _events("ضربت القوات القرية، عن طريق الطائرات")]


@pytest.mark.parametrize(
    "sense",
    [
        {"verb": "ضرب", "noun": "ضربة"},  # two words
        {"phrase": "إطلاق النار", "form": "ضرب"},
        {"unless_next": ["مثلا"]},  # none
        {"verb": "ضرب", "unless_nxt": ["مثلا"]},  # a misspelt key
        {"form": "ضربوه"},  # not a form the lexicon lists
        "ضرب",
    ],
)
def test_a_bad_sense_entry_is_refused_naming_its_type(sense: Any) -> None:
    with pytest.raises(InputError, match="ASSAULT: senses"):
        TriggerLexicon({"ASSAULT": {"verbs": ["قتل"], "senses": [sense]}})


def test_a_demanded_arrest_is_not_actual() -> None:
    found = _events("طالبت المنظمة بعدم اعتقال الصحفيين")
    assert ("COERCE", "اعتقال", "other") in found
