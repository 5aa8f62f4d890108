from __future__ import annotations

from pathlib import Path

import conllu
from hypothesis import given, settings
from hypothesis import strategies as st

from khabar.corpus.model import Document, Event, Layer, Provenance, Span
from khabar.corpus.scheme import Scheme
from khabar.formats.conllu_format import read_spans, to_conllu
from khabar.formats.interchange import from_record
from khabar.text.analysis import tokens
from tests.helpers import Record, udvalidate


def layer_of(doc: Document, entities: tuple[Span, ...], triggers: tuple[Span, ...] = ()) -> Layer:
    return Layer(
        doc.id,
        "gold",
        "gold",
        doc.sha256,
        Provenance("test"),
        entities,
        tuple(Event(t, "actual") for t in triggers),
    )


def test_seed_article_passes_the_official_ud_validator(
    tmp_path: Path, seed_record: Record, scheme: Scheme
) -> None:
    doc, gold = from_record(seed_record, scheme, provenance=Provenance("test"))
    path = tmp_path / "seed.conllu"
    path.write_text("".join(to_conllu([(doc, gold)])), encoding="utf-8")
    result = udvalidate(path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "PASSED" in result.stdout + result.stderr


def test_clitics_become_multiword_tokens_with_the_article_restored(tmp_path: Path) -> None:
    text = "انضمام أوكرانيا للناتو وبأوكرانيا لـ«الناتو»."
    doc = Document("d", text)
    spans = tuple(
        Span(a, a + len(s), lab, s)
        for a, s, lab in [
            (text.index("أوكرانيا"), "أوكرانيا", "GPE"),
            (text.index("لناتو"), "لناتو", "ORG"),
            (text.index("وبأوكرانيا") + 2, "أوكرانيا", "GPE"),
            (text.index("«الناتو") + 1, "الناتو", "ORG"),
        ]
    )
    data = "".join(to_conllu([(doc, layer_of(doc, spans))]))
    (sentence,) = conllu.parse(data)
    forms = [(t["id"], t["form"], t["misc"]) for t in sentence]
    assert ((3, "-", 4), "للناتو", None) in forms
    assert (3, "ل", {"NER": "O"}) in forms and (4, "الناتو", {"NER": "B-ORG"}) in forms
    assert ((5, "-", 7), "وبأوكرانيا", None) in forms
    assert [t["upos"] for t in sentence if t["id"] in (5, 6)] == ["CCONJ", "ADP"]
    assert (8, "لـ", {"NER": "O", "SpaceAfter": "No"}) in forms  # detached form: no split
    path = tmp_path / "c.conllu"
    path.write_text(data, encoding="utf-8")
    assert udvalidate(path).returncode == 0


def test_space_after_no_where_the_text_has_no_space() -> None:
    doc = Document("d", "قال «بوتين»، نعم")
    (sentence,) = conllu.parse("".join(to_conllu([(doc, None)])))
    no_space = [t["form"] for t in sentence if (t["misc"] or {}).get("SpaceAfter") == "No"]
    assert no_space == ["«", "بوتين", "»"]
    assert sentence.metadata["text"] == "قال «بوتين»، نعم"


VOCABULARY = [
    "روسيا",
    "لأوكرانيا",
    "للناتو",
    "وللناتو",
    "وبوتين",
    "بجنيف",
    "الولايات",
    "المتحدة",
    "فيلاديمير",
    "«",
    "»",
    "،",
    "قال",
    "إن",
    "50",
    "دقيقة",
    "لبنان",
    "للبنان",
    "لـ",
    "بِأُوكْرانِيا",
    "القاهـــرة",
    "😀",
    "مارفضته",
]


@st.composite
def annotated_texts(draw: st.DrawFn) -> tuple[Document, tuple[Span, ...], tuple[Span, ...]]:
    words = draw(st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=25))
    glue = draw(st.lists(st.sampled_from([" ", " ", "", "  "]), min_size=len(words), max_size=len(words)))
    text = "".join(w + g for w, g in zip(words, glue, strict=True)).strip()
    doc = Document("doc-1", text)
    cuts = sorted({p for a, b in tokens(text) for p in (a, b, *range(a + 1, min(b, a + 3)))})

    def spans(labels: list[str]) -> tuple[Span, ...]:
        chosen = sorted(draw(st.sets(st.sampled_from(cuts), max_size=12)))
        pairs = zip(chosen[::2], chosen[1::2], strict=False)
        return tuple(
            Span(a, b, draw(st.sampled_from(labels)), text[a:b])
            for a, b in pairs
            if a < b and not text[a].isspace() and not text[b - 1].isspace()
        )

    return doc, spans(["PER", "GPE", "ORG"]), spans(["THREATEN", "CONSULT"])


@settings(max_examples=300, deadline=None)
@given(annotated_texts())
def test_iob2_tags_read_back_with_conllu_give_the_same_spans(
    case: tuple[Document, tuple[Span, ...], tuple[Span, ...]],
) -> None:
    doc, entities, triggers = case
    data = "".join(to_conllu([(doc, layer_of(doc, entities, triggers))]))
    (back,) = read_spans(data, {doc.id: doc.text})
    assert [(s.start, s.end, s.label) for s in back.entities] == [(s.start, s.end, s.label) for s in entities]
    assert [(s.start, s.end, s.label) for s in back.triggers] == [(s.start, s.end, s.label) for s in triggers]
