"""Long documents as tasks of N sentences: the cuts, and offsets mapped back to the document
(pure; tests/studio/test_studio_integration.py pushes and pulls parts through a real server)."""

from __future__ import annotations

import itertools

import pytest

from khabar.corpus.model import Document, Layer, Provenance
from khabar.corpus.scheme import Scheme
from khabar.formats.interchange import from_record
from khabar.formats.labelstudio import annotation_layer, layer_results, task, task_part
from khabar.formats.labelstudio_parts import (
    Part,
    document_layer,
    joined_layer,
    part_document,
    split,
    text_sha256,
)
from khabar.text.analysis import sentences
from tests.helpers import Record


@pytest.fixture
def seed(seed_record: Record, scheme: Scheme) -> tuple[Document, Layer]:
    doc, gold = from_record(seed_record, scheme, provenance=Provenance("test"))
    assert gold is not None
    return doc, gold


@pytest.mark.parametrize("size", [1, 2, 3, 1000])
def test_parts_cover_the_document_and_never_cut_a_span_or_an_event(
    seed: tuple[Document, Layer], size: int
) -> None:
    doc, gold = seed
    parts = split(doc, gold, size)
    assert parts[0].start == 0 and parts[-1].end == len(doc.text)
    assert all(a.end == b.start for a, b in itertools.pairwise(parts))
    assert [p.index for p in parts] == list(range(1, len(parts) + 1))
    assert {p.count for p in parts} == {len(parts)}
    starts = {a for a, _ in sentences(doc.text)}
    assert all(p.start in starts for p in parts[1:])  # cuts only where a sentence starts
    for span in (*gold.entities, *(e.trigger for e in gold.events)):
        assert any(p.start <= span.start and span.end <= p.end for p in parts), span
    n = len(sentences(doc.text))
    assert len(parts) <= -(-n // size) and (size >= n) == (len(parts) == 1)


def test_without_a_size_a_document_is_one_task_and_a_size_below_one_is_refused(
    seed: tuple[Document, Layer],
) -> None:
    doc, gold = seed
    assert split(doc, gold, None) == [Part(1, 1, 0, len(doc.text))]
    with pytest.raises(ValueError, match="task size of 0"):
        split(doc, gold, 0)


def test_annotations_on_parts_come_back_in_the_documents_offsets(
    seed: tuple[Document, Layer], scheme: Scheme
) -> None:
    doc, gold = seed
    parts = split(doc, gold, 2)
    assert len(parts) > 2
    back = []
    for n, part in enumerate(parts, start=1):
        record = task(doc, gold, part, position=3)
        assert record["data"]["text"] == doc.text[part.start : part.end]
        assert record["data"]["part"] == f"{n}/{len(parts)}"
        assert task_part(record["data"], record["meta"]) == (doc.sha256, part)
        piece = part_document(doc, part)
        (draft,) = record["predictions"]
        for region in draft["result"]:  # every drafted region points at its text in the part
            if "value" in region:
                value = region["value"]
                assert piece.text[value["start"] : value["end"]] == value["text"]
        made = annotation_layer(piece, draft["result"], scheme, Provenance("ann", task=n, annotation=n))
        back.append(document_layer(doc, made, part))
    joined = joined_layer(back)
    assert joined.text_sha256 == doc.sha256
    assert (
        joined.entities == annotation_layer(doc, layer_results(doc, gold), scheme, Provenance("x")).entities
    )
    assert sorted(joined.events, key=lambda e: e.trigger.start) == sorted(
        gold.events, key=lambda e: e.trigger.start
    )
    assert joined.provenance.task == 1 and "task 2 annotation 2" in (joined.provenance.note or "")
    assert text_sha256(doc, parts[1]) != text_sha256(doc, parts[2])


def test_tasks_pushed_before_parts_existed_read_as_one_whole_document() -> None:
    data = {"text": "نص الخبر", "doc_id": "d", "sha256": "abc"}
    assert task_part(data, None) == ("abc", Part(1, 1, 0, len("نص الخبر")))
    assert task_part({"text": "x"}, {}) == (None, None)  # not a khabar task
