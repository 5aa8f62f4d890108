"""The one converter between IOB tags and spans (``khabar.text.tagging``), which the IOB
reader, CoNLL-U, the segmentation and the CRF all go through: tags from spans, spans
from IOB2, IOB1 and BIOES tags, and the two ways round."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from khabar.corpus.model import Document, Layer, Provenance, Span
from khabar.text.segmentation import segment
from khabar.text.tagging import disjoint, runs, runs_of_tags, split_tag, tags_of_spans


def test_a_tag_splits_into_its_prefix_and_label() -> None:
    assert split_tag("B-PER") == ("B", "PER")
    assert split_tag("E-GPE") == ("E", "GPE")
    assert split_tag("PER") == ("", "PER")  # a bare label: a one-token span
    assert split_tag("B-") == ("", "B-")
    assert split_tag("O") is None
    assert split_tag("") is None


def test_iob2_iob1_and_bioes_tags_give_the_same_runs() -> None:
    iob2 = ["B-PER", "I-PER", "O", "B-GPE", "B-GPE", "I-GPE"]
    iob1 = ["I-PER", "I-PER", "O", "I-GPE", "B-GPE", "I-GPE"]
    bioes = ["B-PER", "E-PER", "O", "S-GPE", "B-GPE", "E-GPE"]
    expected = [(0, 2, "PER"), (3, 4, "GPE"), (4, 6, "GPE")]
    assert runs_of_tags(iob2) == runs_of_tags(iob1) == runs_of_tags(bioes) == expected


def test_an_inside_tag_without_its_begin_begins_a_run_and_is_counted() -> None:
    tags = [split_tag(t) for t in ["I-PER", "I-GPE", "I-GPE", "O", "E-ORG", "S-PER", "I-PER"]]
    found, began_inside = runs(tags)
    assert found == [(0, 1, "PER"), (1, 3, "GPE"), (4, 5, "ORG"), (5, 6, "PER"), (6, 7, "PER")]
    assert began_inside == [0, 1, 4, 6]


def test_a_span_after_a_tokens_clitics_tags_the_whole_token() -> None:
    text = "زار الوزير لأوكرانيا أمس"
    tokens = [(0, 3), (4, 10), (11, 20), (21, 24)]
    start = text.index("أوكرانيا")
    assert tags_of_spans(tokens, [(start, start + 8, "GPE")]) == ["O", "O", "B-GPE", "O"]
    assert tags_of_spans(tokens, [(4, 20, "PER"), (21, 24, "DATE")]) == ["O", "B-PER", "I-PER", "B-DATE"]


def test_where_spans_share_a_token_the_later_tags_it_and_disjoint_keeps_the_first() -> None:
    tokens = [(0, 2), (3, 5), (6, 8)]
    spans = [(0, 5, "ORG"), (3, 8, "GPE")]
    assert tags_of_spans(tokens, spans) == ["B-ORG", "B-GPE", "I-GPE"]
    assert disjoint(spans) == [(0, 5, "ORG")]
    assert disjoint([(3, 8, "GPE"), (0, 2, "PER"), (3, 5, "ORG")]) == [(0, 2, "PER"), (3, 8, "GPE")]


@st.composite
def tokens_and_spans(draw: st.DrawFn) -> tuple[list[tuple[int, int]], list[tuple[int, int, str]]]:
    """Tokens one space apart and disjoint runs of them, each a span."""
    lengths = draw(st.lists(st.integers(1, 5), max_size=30))
    tokens, at = [], 0
    for n in lengths:
        tokens.append((at, at + n))
        at += n + 1
    spans, k = [], 0
    while k < len(tokens):
        k += draw(st.integers(0, 3))
        size = draw(st.integers(1, 4))
        if k + size <= len(tokens):
            spans.append((tokens[k][0], tokens[k + size - 1][1], draw(st.sampled_from(["PER", "GPE"]))))
        k += size
    return tokens, spans


@given(tokens_and_spans())
def test_tags_of_spans_read_back_as_the_same_spans(
    made: tuple[list[tuple[int, int]], list[tuple[int, int, str]]],
) -> None:
    tokens, spans = made
    tags = tags_of_spans(tokens, spans)
    assert [(tokens[a][0], tokens[b - 1][1], label) for a, b, label in runs_of_tags(tags)] == spans


def test_segmented_words_are_tagged_by_the_converter() -> None:
    doc = Document("d", "رفضت روسيا انضمام أوكرانيا للناتو.")
    entities = tuple(
        Span(a, b, label, doc.text[a:b]) for a, b, label in [(5, 10, "GPE"), (18, 26, "GPE"), (28, 33, "ORG")]
    )
    layer = Layer("d", "pre", "pre", doc.sha256, Provenance("test"), entities=entities)
    words = [w for sentence in segment(doc, layer) for w in sentence.words]
    assert [(w.form, w.ner) for w in words] == [
        ("رفضت", "O"),
        ("روسيا", "B-GPE"),
        ("انضمام", "O"),
        ("أوكرانيا", "B-GPE"),
        ("ل", "O"),
        ("الناتو", "B-ORG"),
        (".", "O"),
    ]
    spans = [
        (words[a].start, words[b - 1].end, label) for a, b, label in runs_of_tags([w.ner for w in words])
    ]
    assert spans == [(s.start, s.end, s.label) for s in entities]
