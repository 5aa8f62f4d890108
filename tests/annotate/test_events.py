from __future__ import annotations

import functools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from khabar.annotate.entities import EntityFinder
from khabar.annotate.events import EventFinder
from khabar.annotate.gazetteer import load_lexicon, load_triggers
from khabar.annotate.preannotate import Annotator, run
from khabar.annotate.tokens import Tokens
from khabar.annotate.triggers import TriggerLexicon, verb_forms
from khabar.corpus.model import Document, Provenance
from khabar.corpus.scheme import Scheme
from khabar.formats.interchange import from_record, to_record
from khabar.quality.evaluate import evaluate
from khabar.quality.validate import validate
from khabar.text.analysis import Analysis
from tests.helpers import ROOT, Record


@functools.cache
def annotator() -> Annotator:
    return Annotator.load()


def events(text: str) -> list[tuple[str, str, str, list[tuple[str, str]]]]:
    doc = Document("d", text)
    layer = run(doc, annotator())
    return [
        (e.type, e.trigger.text, e.realis, [(a.role, text[a.start : a.end]) for a in e.arguments])
        for e in layer.events
    ]


def test_verb_forms_cover_tense_person_and_number() -> None:
    assert {"هدد", "هددت", "هددوا", "يهدد", "تهدد", "يهددون", "نهدد"} <= verb_forms("هدد")
    assert {"دعا", "دعت", "دعوا", "يدعو", "تدعو"} <= verb_forms("دعا/يدعو")
    assert {"اعلن", "يعلن", "تعلن"} <= verb_forms("أعلن")
    # a final hamza is a strong radical though it is normalised to a long vowel
    assert {"هنات", "هناوا", "يهنيون"} <= verb_forms("هنأ/يهنئ")
    assert {"بدات", "بداوا", "يبداون"} <= verb_forms("بدأ/يبدأ")
    assert "هنت" not in verb_forms("هنأ/يهنئ")


@pytest.mark.parametrize(
    ("text", "trigger", "etype"),
    [
        ("وهددت روسيا أوكرانيا", "هددت", "THREATEN"),  # و outside
        ("بتحذير «بايدن» لبوتين", "تحذير", "THREATEN"),  # ب outside a noun
        ("وبوتين: سنرد بالقطيعة", "سنرد", "THREATEN"),  # the future س inside
        ("واشنطن وحلفاؤها سيردون بحزم", "سيردون", "THREATEN"),
        ("وهو مارفضته إدارة بايدن", "رفضته", "REJECT"),  # glued ما outside, enclitic inside
        ("قد تفرض عقوبات على روسيا", "تفرض عقوبات", "SANCTION"),  # a phrase with a verb form
        ("واستغرقت المكالمة الهاتفية 50 دقيقة", "المكالمة الهاتفية", "CONSULT"),
        ("قطع العلاقات بين البلدين", "قطع العلاقات", "SANCTION"),
        ("رفضت الحركة توقيع مسودة الاتفاق", "توقيع", "AGREE"),  # signing
        ("وأكد أن توقيعها جاء بعد مفاوضات", "توقيعها", "AGREE"),
    ],
)
def test_triggers_and_their_spans(text: str, trigger: str, etype: str) -> None:
    assert (etype, trigger) in [(t, s) for t, s, _, _ in events(text)]


@pytest.mark.parametrize(
    "text",
    [
        "وقال ردا على سؤال إن الحكومة",  # «ردا على»: in response to
        "وأعلنت وزارة الاتصالات أمس",  # telecommunications
        "في اتصال عبر الهاتف",  # the telephone, not «phoned»
        "وأقيم حفل توقيع كتاب الوزير",  # a book's signing
        "ووقعت اشتباكات في المدينة",  # «وقع»: it happened
        "وقالت وزيرة التعاون الدولي إن",  # a ministry
        "وزير تكنولوجيا المعلومات والاتصالات",  # telecommunications
    ],
)
def test_other_senses_are_no_trigger(text: str) -> None:
    other = ("ردا", "الاتصالات", "الهاتف", "هاتف", "توقيع", "وقعت", "التعاون", "والاتصالات")
    assert [s for _, s, _, _ in events(text) if s in other] == []


def test_a_verb_never_takes_a_preposition() -> None:
    # «بتعهد» is «with a pledge», not the verb «تعهد» (he pledged)
    assert [t for t, *_ in events("روسيا تطالب بتعهد مكتوب")] == ["REQUEST"]


def test_speech_acts_are_not_events() -> None:
    assert events("وقال الرئيس وأكد وأوضح") == []


@pytest.mark.parametrize(
    ("text", "trigger", "realis"),
    [
        ("أن أمريكا قد تفرض عقوبات على روسيا", "تفرض عقوبات", "other"),
        ("حال غزو روسيا لأوكرانيا", "غزو", "other"),
        ("ومن المقرر إجراء محادثات في جنيف", "محادثات", "other"),
        ("عدم نشر المعدات العسكرية للناتو", "نشر المعدات العسكرية", "other"),
        ("أمريكا تهدد روسيا بعقوبات", "عقوبات", "other"),  # the threatened action
        ("أمريكا تهدد روسيا بعقوبات", "تهدد", "actual"),  # the threat itself
        ("وحشدت روسيا قواتها على الحدود", "حشدت", "actual"),
        ("لم تفرض عقوبات", "تفرض عقوبات", "other"),
        # «قد» before a past verb asserts: it did happen
        ("وكانت الطائرات قد قصفت المنزل", "قصفت", "actual"),
        ("وقد اعتقلت الشرطة خمسة أشخاص", "اعتقلت", "actual"),
        # expected, due or meant
        ("ومن المتوقع أن يلتقي الوزير نظيره", "يلتقي", "other"),
        ("وسيتم توسيع العقوبات", "العقوبات", "other"),
        ("أبلغه بإخلاء منزله تمهيدا لتدميره", "تدميره", "other"),
        # any action a demand is about, in its clause
        ("وطالبت الحكومة بإرسال مساعدات للمتضررين", "مساعدات", "other"),
        ("طلب التحدث مع بايدن، وهي المكالمة الثانية بينهما", "المكالمة", "actual"),
        # a nominal trigger before a verb in the future or a modal; what a list or plan is of
        ("وقال إن العقوبات ستطاول قطاع النفط", "العقوبات", "other"),
        ('وقال إن المحادثات " ستبدأ اليوم "', "المحادثات", "other"),
        ("تواجه إيران عقوبات اقتصادية قد تفرض عليها", "عقوبات", "other"),
        ("اتفقت الدول على لائحة من العقوبات", "العقوبات", "other"),
        ("وقال إن العقوبات التي فرضت على إيران أضرت باقتصادها", "العقوبات", "actual"),
        ("وقال إن العقوبات السياسية أضرت بالبلاد", "العقوبات", "actual"),
    ],
)
def test_realis(text: str, trigger: str, realis: str) -> None:
    found = {s: r for _, s, r, _ in events(text)}
    assert found[trigger] == realis


@pytest.mark.parametrize(
    ("text", "trigger", "arguments"),
    [
        ("أمريكا تهدد روسيا بعقوبات", "تهدد", [("Actor", "أمريكا"), ("Recipient", "روسيا")]),
        ("أمريكا تهدد روسيا بعقوبات", "عقوبات", [("Actor", "أمريكا"), ("Recipient", "روسيا")]),
        (
            "وحشدت روسيا قواتها على الحدود مع أوكرانيا",
            "حشدت",
            [("Actor", "روسيا"), ("Recipient", "أوكرانيا")],
        ),
        ("فيما حث الرئيس الأمريكي روسيا على التهدئة", "حث", [("Recipient", "روسيا")]),
        ("وانتهت المحادثة بين «بايدن وبوتين»", "المحادثة", [("Actor", "بايدن"), ("Recipient", "بوتين")]),
        ("غزو روسيا لأوكرانيا", "غزو", [("Actor", "روسيا"), ("Recipient", "أوكرانيا")]),
        (
            "اجتماع لمجلس روسيا والناتو في الثاني عشر من الشهر ذاته",
            "اجتماع",
            [("Actor", "مجلس روسيا والناتو"), ("Time", "الثاني عشر من الشهر ذاته")],
        ),
        (
            "وأجرى الوزير اتصالا هاتفيا بنظيره الإسرائيلي يسرائيل كاتس استمر 40 دقيقة",
            "اتصالا هاتفيا",
            [("Recipient", "يسرائيل كاتس")],
        ),  # a duration is no Time
        (
            "تجري محادثات بين مسؤولين في التاسع من يناير المقبل بجنيف",
            "محادثات",
            [("Time", "التاسع من يناير المقبل"), ("Place", "جنيف")],
        ),
        ("وأكد روته أن الحلف سيعزز وجوده", "سيعزز وجوده", []),  # another clause's subject
    ],
)
def test_arguments_follow_arabic_word_order(
    text: str, trigger: str, arguments: list[tuple[str, str]]
) -> None:
    found = {s: args for _, s, _, args in events(text)}
    assert found[trigger] == arguments


def test_seed_article_meets_the_event_targets(seed_record: Record, scheme: Scheme) -> None:
    doc, gold = from_record(seed_record, scheme, provenance=Provenance("gold"))
    assert gold is not None
    result = evaluate([(doc, run(doc, annotator()), gold)])
    assert result.events["trigger classification"].f1 >= 0.80
    assert result.events["argument classification"].f1 >= 0.60
    assert result.realis_accuracy is not None and result.realis_accuracy >= 0.80


def test_held_out_events_stay_reasonable(scheme: Scheme) -> None:
    pairs = []
    for line in (ROOT / "tests" / "data" / "heldout.jsonl").read_text(encoding="utf-8").splitlines():
        doc, gold = from_record(json.loads(line), scheme, provenance=Provenance("gold"))
        assert gold is not None
        pairs.append((doc, run(doc, annotator()), gold))
    result = evaluate(pairs)
    print({k: round(v.f1, 3) for k, v in result.events.items()}, result.realis_accuracy)
    assert result.events["trigger classification"].f1 >= 0.75
    assert result.events["argument classification"].f1 >= 0.6


def test_events_reach_every_output(seed_record: Record, scheme: Scheme) -> None:
    doc = Document("seed", seed_record["text"])
    layer = run(doc, annotator())
    record = to_record(doc, layer)
    assert len(record["events"]) == len(layer.events) > 20
    first = record["events"][0]
    assert set(first) == {"type", "realis", "trigger", "arguments"}
    assert all(doc.text[a["start"] : a["end"]] == a["text"] for e in record["events"] for a in e["arguments"])


TRIGGERS = ["هدد", "تهدد", "عقوبات", "هجوم", "محادثات", "طالبت", "رفضته", "سنرد", "غزو", "حشد"]
ENTITIES = ["روسيا", "لأوكرانيا", "بايدن", "وبوتين", "الناتو", "أمس", "بجنيف", "الأمريكي"]
FILLER = ["قال", "إن", "قد", "حال", "على", "في", "بين", "و", "،", ".", ":", "\n", "«", "»"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(TRIGGERS + ENTITIES + FILLER), max_size=60))
def test_any_mix_of_triggers_and_entities_gives_valid_events(words: list[str]) -> None:
    """Many triggers and no entities, entities and no triggers, long sentences, repeats:
    every argument points at an entity of the layer in the trigger's sentence."""
    text = " ".join(words).strip() or "نص"
    doc = Document("d", text)
    layer = run(doc, annotator())
    report = validate([(doc, [layer])], Scheme.load())
    assert report.ok, [str(v) for v in report.errors]


def test_very_long_sentences_with_repeated_triggers() -> None:
    text = " ".join(["هددت روسيا أوكرانيا بعقوبات"] * 2000)
    doc = Document("d", text)
    layer = run(doc, annotator())
    assert len(layer.events) >= 2000
    assert validate([(doc, [layer])], Scheme.load()).ok


def test_events_are_the_same_without_the_shared_word_lookup(seed_record: Record) -> None:
    """The entity finder looks each word up for the event finder too (``also``); an event
    finder on its own looks the words up itself and finds the same events."""
    shared = annotator()
    alone = EventFinder(TriggerLexicon(load_triggers()), load_lexicon())
    finder = EntityFinder(shared.gazetteer, load_lexicon(), triggers=alone.lexicon.lookups)  # no ``also``
    text = seed_record["text"] + "\n" + " ".join(TRIGGERS + ENTITIES)
    tokens = Tokens(Analysis.of(text).norm)
    entities = shared.entities.find(tokens)
    assert shared.events is not None and tokens.infos is not None
    with_shared = shared.events.find(tokens, entities)
    bare = Tokens(tokens.norm)
    assert finder.find(bare) == entities and all(info.also is None for info in bare.infos or [])
    assert alone.find(bare, entities) == with_shared and len(with_shared) > 10


@functools.cache
def unfiltered_lexicon() -> TriggerLexicon:
    """A trigger lexicon of its own, whose ``openings`` a test may set."""
    return TriggerLexicon(load_triggers())


@functools.cache
def listed_forms() -> list[str]:
    lexicon = unfiltered_lexicon()
    return sorted({*lexicon.forms, *lexicon.longest})


@given(
    st.sampled_from(["", "و", "ف", "ب", "ل", "ك", "وب", "فل", "ما", "س", "وس"]),
    st.integers(0, 10_000),
    st.sampled_from(["", "ه", "ها", "هم", "هما", "نا", "كم"]),
    st.text(alphabet="ابتسلمنيوهكف", max_size=6),
)
@settings(max_examples=300, deadline=None)  # the first example loads the lexicons
def test_trigger_lookups_ruled_out_by_their_opening_letters_are_no_trigger(
    prefix: str, pick: int, suffix: str, noise: str
) -> None:
    """Skipping forms whose first two letters begin no listed form changes no reading."""
    finder = annotator().events
    assert finder is not None
    forms = listed_forms()
    for word in (prefix + forms[pick % len(forms)] + suffix, prefix + noise + suffix, noise):
        if not word:
            continue
        unfiltered = unfiltered_lexicon()
        # nothing ruled out: any two letters of the word, and «ال» that «لل» stands for («فللقت»)
        unfiltered.openings = frozenset(word[k : k + 2] for k in range(len(word))) | {"ال"}
        assert finder.lexicon.lookups(word) == unfiltered.lookups(word), word


@pytest.mark.parametrize(
    ("text", "trigger", "arguments"),
    [
        # who undergoes it: the subject of a passive verb, the genitive of some nouns
        ("أصيب بوتين في موسكو", "أصيب", [("Recipient", "بوتين"), ("Place", "موسكو")]),
        ("أعلنت الشرطة مقتل جون بيرت", "مقتل", [("Recipient", "جون بيرت")]),
        ("اغتيال بوتين على يد حركة حماس", "اغتيال", [("Actor", "حركة حماس"), ("Recipient", "بوتين")]),
        # a place fronted before the verb, not its subject; a direction's reference point is no place
        ("وفي موسكو شمال روسيا اعتقلت الشرطة عشرة أشخاص", "اعتقلت", [("Place", "موسكو")]),
        # a place after a descriptor chain
        ("قتل عشرة أشخاص في مناطق متفرقة من بغداد", "قتل", [("Place", "بغداد")]),
        # subjects and objects joined by و
        (
            "حث بايدن إسرائيل ولبنان على الهدوء",
            "حث",
            [("Actor", "بايدن"), ("Recipient", "إسرائيل"), ("Recipient", "لبنان")],
        ),
        # the subject is in a plural verb: what follows is its object
        ("طالبوا روسيا بالانسحاب", "طالبوا", [("Recipient", "روسيا")]),
        # a name joined by و after its title: «... هنية ووزير الداخلية سعيد صيام», whose title it is skipped
        (
            "التقى محمود عباس رئيس الوزراء إسماعيل هنية ووزير الداخلية سعيد صيام",
            "التقى",
            [("Actor", "محمود عباس"), ("Recipient", "إسماعيل هنية"), ("Recipient", "سعيد صيام")],
        ),
        (
            "التقى بايدن الأمير تميم ووزير خارجية قطر الشيخ محمد",
            "التقى",
            [("Actor", "بايدن"), ("Recipient", "تميم"), ("Recipient", "محمد")],
        ),
        # where troops go is a place
        ("قررت روسيا إرسال قوات إلى سوريا", "إرسال قوات", [("Actor", "روسيا"), ("Place", "سوريا")]),
        # places joined by و are all where it happened
        ("اعتقلت الشرطة ستة أشخاص في نابلس ورام الله", "اعتقلت", [("Place", "نابلس"), ("Place", "رام الله")]),
        # a place near what is said or decided is where what it is about happens
        ("رفضت الحكومة نشر قوات في دارفور", "رفضت", []),
        ("طالبت الحكومة بالإفراج عن المعتقلين في لبنان", "طالبت", []),
        # a title's own words and whose title it is lead to the name
        (
            "وأجرى بايدن اتصالا مع رئيس المكتب السياسي لحركة حماس إسماعيل هنية",
            "اتصالا",
            [("Actor", "بايدن"), ("Recipient", "إسماعيل هنية")],
        ),
        (
            "تباحث أردوغان مع الأمين العام للأمم المتحدة أنطونيو غوتيريش",
            "تباحث",
            [("Actor", "أردوغان"), ("Recipient", "أنطونيو غوتيريش")],
        ),
        # «بين X و Y» after the trigger's place, each after its title
        (
            "عقد اجتماع في موسكو بين الرئيس بوتين ووزير الخارجية الصيني وانغ يي",
            "اجتماع",
            [("Actor", "بوتين"), ("Recipient", "وانغ يي"), ("Place", "موسكو")],
        ),
        ("محادثات بين الرئيس بوتين والمسؤول الأول عن الملف", "محادثات", [("Actor", "بوتين")]),
        ("قتل ثلاثة من بين المدنيين وبوتين", "قتل", []),  # «من بين»: among, no pair
        # a date earlier in the trigger's clause; a duration is none, a count from now is one
        (
            "أجرى بوتين أمس محادثات مع أردوغان",
            "محادثات",
            [("Actor", "بوتين"), ("Recipient", "أردوغان"), ("Time", "أمس")],
        ),
        ("وافقت إيران على تعليق التخصيب لمدة 90 يوما", "وافقت", [("Actor", "إيران")]),
        ("اعتقلت الشرطة عشرة أشخاص قبل ثلاثة أيام", "اعتقلت", [("Time", "قبل ثلاثة أيام")]),
        # a place of another clause is not the trigger's: a bracket, a Latin comma, «أن»
        ("قتل ثلاثة في بغداد ( الفرنسية ) اعتقلت الشرطة عشرة", "اعتقلت", []),
        ("قتل ثلاثة في بغداد , بينما اعتقلت الشرطة عشرة", "اعتقلت", []),
        ("في بغداد أضافت المصادر أن الطائرات دمرت المنزل", "دمرت", []),
        # a verb joined to the verb before it shares its subject and time
        (
            "هاجمت حركة حماس أمس موقعا وقتلت جنديين",
            "قتلت",
            [("Actor", "حركة حماس"), ("Time", "أمس")],
        ),
        # whose house is raided undergoes the raid
        (
            "واقتحمت القوات منزل إسماعيل هنية فجرا",
            "اقتحمت",
            [("Recipient", "إسماعيل هنية"), ("Time", "فجرا")],
        ),
        # an organisation's name in brackets stands for the name before it
        (
            "وقالت إن حركة المقاومة الإسلامية ( حماس ) رفضت الاتفاق",
            "رفضت",
            [("Actor", "حركة المقاومة الإسلامية")],
        ),
        # a nominal trigger: the subject of the verb it depends on, not across a time or cause
        (
            "وتشارك كوريا الشمالية في محادثات مع الولايات المتحدة",
            "محادثات",
            [("Actor", "كوريا الشمالية"), ("Recipient", "الولايات المتحدة")],
        ),
        ("وقالت إن إيران مستعدة للموافقة على الخطة", "لموافقة", [("Actor", "إيران")]),
        ("ساد الهدوء مدينة كربلاء بعد التوصل لاتفاق", "اتفاق", []),
        # a subject no entity names, in the plural nominative: the entity after it is the object
        (
            "وفي بغداد اختطف مجهولون القس سعد سيروب",
            "اختطف",
            [("Recipient", "سعد سيروب"), ("Place", "بغداد")],
        ),
    ],
)
def test_argument_classes(text: str, trigger: str, arguments: list[tuple[str, str]]) -> None:
    found = {s: args for _, s, _, args in events(text)}
    assert found[trigger] == arguments


def test_five_hundred_triggers_in_one_sentence_keep_arguments_in_their_sentence() -> None:
    """Every argument is an entity of the layer in its trigger's sentence, with 500 triggers
    in one sentence between others."""
    text = (
        "وفي موسكو اعتقلت الشرطة بوتين.\n"
        + " ".join(["هددت روسيا أوكرانيا بعقوبات وقتل في بغداد"] * 500)
        + ".\nوزار بايدن لبنان أمس."
    )
    doc = Document("d", text)
    layer = run(doc, annotator())
    assert len(layer.events) >= 1000
    assert validate([(doc, [layer])], Scheme.load()).ok
    ends = [i + 1 for i, ch in enumerate(text) if ch == "\n"] + [len(text)]

    def sentence(offset: int) -> int:
        return next(k for k, end in enumerate(ends) if offset < end)

    entities = {(s.start, s.end) for s in layer.entities}
    for e in layer.events:
        for a in e.arguments:
            assert (a.start, a.end) in entities
            assert sentence(a.start) == sentence(e.trigger.start), (e.trigger.text, text[a.start : a.end])


# the words the context rules turn on (titles, settlement heads, directions, newspapers,
# future verbs, modals, nominal triggers, plural subjects) with names, marks and dashes
RULE_WORDS = (
    *("وزير", "الخارجية", "الألماني", "فولفجانج", "شويبل", "رئيس", "مجموعة", "حي", "منطقة"),
    *("الزيتون", "شمال", "بسامراء", "بغداد", "صحيفة", "يديعوت", "أحرونوت", "العقوبات", "ستطاول"),
    *("قد", "تفرض", "يجب", "لائحة", "من", "وتشارك", "كوريا", "الشمالية", "في", "محادثات", "اختطف"),
    *("مجهولون", "القس", "سعد", "سيروب", "بعقوبة", "توقيع", "التعاون", "بعد", "قال"),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([*RULE_WORDS, "«", "»", '"', "-", "،", ".", "\n", "(", ")"]), max_size=40))
def test_context_rules_keep_every_draft_valid(words: list[str]) -> None:
    """Any run of the words the context rules read drafts a valid layer: spans on their
    text, arguments on entities of the trigger's layer."""
    text = " ".join(words).strip() or "."
    doc = Document("d", text)
    layer = run(doc, annotator())
    assert validate([(doc, [layer])], Scheme.load()).ok
    entities = {(s.start, s.end) for s in layer.entities}
    assert all((a.start, a.end) in entities for e in layer.events for a in e.arguments)
