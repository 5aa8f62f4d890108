from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from khabar.text.analysis import (
    _SENTENCE_END,
    _TABLE,
    Analysis,
    _one_to_one,
    canonical,
    canonical_offsets,
    normalize,
    sentence_ends,
    sentences,
    tokens,
)


def surfaces(text: str, spans: list[tuple[int, int]]) -> list[str]:
    return [text[a:b] for a, b in spans]


def test_canonical_is_nfc_with_unix_newlines_and_no_surrounding_space() -> None:
    raw = "  \r\nا\u0653مريكا\r\nروسيا\r"  # alif + combining madda composes to آ under NFC
    assert canonical(raw) == "آمريكا\nروسيا"


def test_canonical_offsets_move_spans_past_crlf_and_composition() -> None:
    raw = " قال\r\nا\u0653مريكا"
    text, where = canonical_offsets(raw) or ("", [])
    assert text == "قال\nآمريكا"
    start, end = raw.index("ا\u0653"), len(raw)
    assert text[where[start] : where[end]] == "آمريكا"


def test_sentences_split_at_stops_and_lines_but_not_at_the_arabic_comma() -> None:
    text = "قال الرئيس، إن روسيا ستتخذ إجراءات. هل يرد بوتين؟ نعم!\nعنوان بلا نقطة\nآخر سطر."
    assert surfaces(text, sentences(text)) == [
        "قال الرئيس، إن روسيا ستتخذ إجراءات.",
        "هل يرد بوتين؟",
        "نعم!",
        "عنوان بلا نقطة",
        "آخر سطر.",
    ]


def test_sentence_keeps_its_closing_quote() -> None:
    text = "قال: «قد يترتب عليه عواقب وخيمة.» ثم غادر."
    assert surfaces(text, sentences(text)) == ["قال: «قد يترتب عليه عواقب وخيمة.»", "ثم غادر."]


def test_decimal_numbers_do_not_end_a_sentence() -> None:
    text = "ارتفع بنسبة 3.5 بالمئة أمس."
    assert len(sentences(text)) == 1


def test_tokens_split_guillemets_commas_and_question_marks() -> None:
    text = "رد «بوتين»، فهل يقبل؟"
    assert surfaces(text, tokens(text)) == ["رد", "«", "بوتين", "»", "،", "فهل", "يقبل", "؟"]


def test_tokens_keep_tatweel_and_diacritics_inside_words() -> None:
    text = "القاهـــرة يَوْمَ لـ«الناتو»"
    assert surfaces(text, tokens(text)) == ["القاهـــرة", "يَوْمَ", "لـ", "«", "الناتو", "»"]


def test_arabic_indic_numbers_are_one_token() -> None:
    text = "في ٢٠٢٤ دفع ٣٫٥ مليون و50 دقيقة"
    assert surfaces(text, tokens(text)) == ["في", "٢٠٢٤", "دفع", "٣٫٥", "مليون", "و50", "دقيقة"]


def test_analysis_unifies_spelling_and_maps_back_to_canonical_offsets() -> None:
    text = "الأطلسى «أوكـــرانيا» بِأُوكْرانِيا ٢٠٢٤"
    view = Analysis.of(text)
    assert view.norm == "الاطلسي «اوكرانيا» باوكرانيا 2024"
    a = view.norm.index("اوكرانيا")
    assert text[view.start(a) : view.end(a + len("اوكرانيا"))] == "أوكـــرانيا"
    b = view.norm.index("باوكرانيا") + 1
    # the kasra of the preposition belongs to it; the span starts at the alif
    assert text[view.start(b) : view.end(b + len("اوكرانيا"))] == "أُوكْرانِيا"


def test_analysis_drops_bidi_marks_and_expands_lam_alef_ligatures() -> None:
    text = "\u200fمصر \ufefbبد"
    view = Analysis.of(text)
    assert view.norm == "مصر لابد"
    assert text[view.start(0) : view.end(3)] == "مصر"


arabic = st.text(alphabet="ابتثجحخدذرزسشصضطظعغفقكلمنهوية ىأإآؤئءـًٌٍَُِّْٰ«»،؟.\n", max_size=60)


@given(arabic)
def test_analysis_positions_always_point_into_the_text(text: str) -> None:
    view = Analysis.of(canonical(text))
    for i in range(len(view.norm)):
        start = view.start(i)
        assert 0 <= start < len(view.text)
        assert view.start(i) < view.end(i + 1) <= len(view.text)


@given(arabic)
def test_normalize_is_idempotent(text: str) -> None:
    assert normalize(normalize(text)) == normalize(text)


@given(arabic)
def test_canonical_is_idempotent_and_nfc(text: str) -> None:
    once = canonical(text)
    assert canonical(once) == once
    assert unicodedata.is_normalized("NFC", once)


@given(arabic)
def test_tokens_never_hold_white_space_and_stay_inside_sentences(text: str) -> None:
    text = canonical(text)
    for a, b in sentences(text):
        for s, e in tokens(text, a, b):
            assert a <= s < e <= b
            assert not any(ch.isspace() for ch in text[s:e])


@given(arabic)
def test_sentence_ends_tell_the_sentences_apart(text: str) -> None:
    """Every sentence lies before one end and after the previous one, each in its own gap."""
    text = canonical(text)
    ends = sentence_ends(text)
    assert ends == sorted(ends) and ends[-1] == len(text)
    gaps = [sum(1 for e in ends if e <= a) for a, _ in sentences(text)]
    assert gaps == sorted(set(gaps))  # one sentence between two ends, never two
    for a, b in sentences(text):
        assert not any(a < e < b for e in ends)


@given(st.text(alphabet="ab .!?؟…\n»\"”'’)] ", max_size=40) | arabic)
def test_sentence_ends_are_where_the_regex_finds_them(text: str) -> None:
    """The fast path (str.find, then a match) finds what a scan of the whole text finds."""
    assert sentence_ends(text) == [m.end() for m in _SENTENCE_END.finditer(text)] + [len(text)]


@given(
    st.text(max_size=300)
    | st.text(alphabet="ابتأإآىةـ٠١٢۳ABCxyz \U0001f600", min_size=100, max_size=300)
    | st.text(alphabet=st.characters(codec=None, categories=["Lo", "Cs", "Mn"]), min_size=100, max_size=300)
)
def test_fast_translation_is_str_translate(text: str) -> None:
    assert _one_to_one(text) == text.translate(_TABLE)


def test_a_full_stop_after_a_one_letter_word_is_an_abbreviation() -> None:
    text = "أفرجت المحكمة عن د. عزيز الدويك و أ.د. سعيد. ثم غادر م. أحمد."
    assert surfaces(text, sentences(text)) == [
        "أفرجت المحكمة عن د. عزيز الدويك و أ.د. سعيد.",
        "ثم غادر م. أحمد.",
    ]
