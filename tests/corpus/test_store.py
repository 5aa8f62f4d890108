from __future__ import annotations

import dataclasses
import math
import pickle
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from khabar.corpus.lines import dumps
from khabar.corpus.model import Argument, Document, Event, Layer, Provenance, Span, kept_score
from khabar.corpus.records import layer_record
from khabar.corpus.store import Store, shard_of


def layer_for(doc: Document, name: str = "pre") -> Layer:
    span = Span(0, 5, "GPE", doc.text[0:5], score=0.9, rule="list:places")
    trigger = Span(6, 10, "THREATEN", doc.text[6:10])
    event = Event(trigger, "actual", (Argument("Actor", 0, 5),))
    kind = "review" if name.startswith("review") else "pre"
    return Layer(
        doc.id,
        name,
        kind,
        doc.sha256,
        Provenance("khabar-rules", "1", "2026-01-01T00:00:00+00:00"),
        (span,),
        (event,),
    )


def test_documents_and_layers_round_trip_with_provenance(tmp_path: Path) -> None:
    store = Store(tmp_path / "corpus", tmp_path / "annotations")
    doc = Document("d1", "روسيا تهدد أوكرانيا", title="عنوان", source="test")
    store.put_documents([doc])
    store.put_layers([layer_for(doc), layer_for(doc, "review:ali")])
    assert store.document("d1") == doc
    assert store.layers("d1") == [layer_for(doc, "review:ali"), layer_for(doc)]  # human work, then drafts
    assert [(d, len(ls)) for d, ls in store.items()] == [(doc, 2)]


def test_shards_hold_sorted_lines_and_writes_leave_no_temporary_files(tmp_path: Path) -> None:
    store = Store(tmp_path / "corpus", tmp_path / "annotations")
    docs = [Document(f"d{i}", f"نص رقم {i}") for i in range(50)]
    store.put_documents(reversed(docs))
    for shard in store.shards():
        ids = [d.id for d in store.shard_documents(shard)]
        assert ids == sorted(ids)
    assert sorted(d.id for d in store.documents()) == sorted(d.id for d in docs)
    assert not [p for p in (tmp_path / "corpus").iterdir() if p.name.startswith(".")]
    assert store.count() == 50


def test_putting_a_document_again_replaces_it_in_its_shard(tmp_path: Path) -> None:
    store = Store(tmp_path / "corpus", tmp_path / "annotations")
    store.put_documents([Document("d1", "أ"), Document("d2", "ب")])
    store.put_documents([Document("d1", "ج")])
    assert store.document("d1") == Document("d1", "ج")
    assert store.count() == 2
    assert (tmp_path / "corpus" / f"{shard_of('d1')}.jsonl").exists()


def test_layers_can_be_deleted_by_name(tmp_path: Path) -> None:
    store = Store(tmp_path / "corpus", tmp_path / "annotations")
    doc = Document("d1", "روسيا تهدد أوكرانيا")
    store.put_documents([doc])
    store.put_layers([layer_for(doc), layer_for(doc, "review:ali")])
    store.delete_layers([("d1", "pre")])
    assert [layer.name for layer in store.layers("d1")] == ["review:ali"]


def test_a_replaced_human_layer_is_kept_in_history_once_even_when_a_killed_run_repeats(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "corpus", tmp_path / "annotations")
    doc = Document("d1", "روسيا تهدد أوكرانيا")
    store.put_documents([doc])
    first = layer_for(doc, "review:ali")
    store.put_layers([first], keep_history=True)
    second = dataclasses.replace(first, entities=(Span(11, 19, "GPE", doc.text[11:19]),))
    history = store.history_dir / f"{shard_of('d1')}.jsonl"
    store.put_layers([second], keep_history=True)
    saved = history.read_text(encoding="utf-8")
    # a pull killed after saving the history and before replacing the layer, run again
    store.put_layers([first])
    history.write_text(saved, encoding="utf-8")
    store.put_layers([second], keep_history=True)
    assert store.history("d1") == [first]
    assert [x for x in store.layers("d1") if x.name == "review:ali"] == [second]


def test_the_temporary_files_of_a_killed_write_are_removed(tmp_path: Path) -> None:
    store = Store(tmp_path / "corpus", tmp_path / "annotations")
    doc = Document("d1", "روسيا تهدد أوكرانيا")
    store.put_documents([doc])
    orphans = [
        tmp_path / "corpus" / ".2a.jsonl.x1.tmp",
        tmp_path / "annotations" / "history" / ".2a.jsonl.x2.tmp",
    ]
    for orphan in orphans:
        orphan.parent.mkdir(parents=True, exist_ok=True)
        orphan.write_text("half a li")
    assert store.remove_orphans() == 2
    assert not any(o.exists() for o in orphans) and store.document("d1") == doc


@given(st.lists(st.integers(0, 1000), min_size=1, max_size=20))
def test_drafts_are_written_as_dumps_writes_them(scores: list[int]) -> None:
    """Drafts go through orjson (faster); their lines are the ones json would write, for
    every score a pre-annotator keeps (three decimals) and any text."""
    doc = Document("d1", '«روسيا» تهدد\tأوكرانيا \\ "x" \x01 \u2028 😀')
    spans = tuple(
        Span(0, 7, "GPE", doc.text[0:7], score=round(k / 1000, 3), rule=f"rule:{k}") for k in scores
    )
    layer = dataclasses.replace(layer_for(doc), entities=spans)
    assert Store.drafts_text([layer]) == dumps(layer_record(layer)) + "\n"


# near halves of a thousandth, where score * 1000 may round the other way than the score
_NEAR_HALVES = st.integers(-(10**6), 10**6).flatmap(
    lambda k: st.sampled_from(
        [(k + 0.5) / 1000, math.nextafter((k + 0.5) / 1000, 0), math.nextafter((k + 0.5) / 1000, 1)]
    )
)


@given(
    st.floats(0, 1)
    | st.floats(allow_nan=False)
    | _NEAR_HALVES
    | st.sampled_from([-0.0001, -0.0, 0.0005, 1e12])
)
def test_kept_scores_are_the_floats_round_gives(score: float) -> None:
    kept = kept_score(score)
    assert kept == round(score, 3) and repr(kept) == repr(round(score, 3))


def test_records_are_frozen_values_checked_when_made() -> None:
    span = Span(0, 5, "PER", "بوتين", 0.9, "list:people")
    event = Event(Span(6, 9, "CONSULT", "قال"), "actual", (Argument("Actor", 0, 5),))
    assert (span.start, span.end, span.label, span.text) == (0, 5, "PER", "بوتين")
    assert (span.score, span.rule) == (0.9, "list:people")
    assert (event.trigger.start, event.realis) == (6, "actual")
    assert (event.arguments[0].role, event.arguments[0].end) == ("Actor", 5)
    for record in (span, event, event.arguments[0], event.trigger):
        assert pickle.loads(pickle.dumps(record)) == record  # worker processes get them so
        assert hash(record) == hash(dataclasses.replace(record))
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(record, dataclasses.fields(record)[0].name, None)
    assert Span(start=0, end=5, label="PER", text="بوتين") == Span(0, 5, "PER", "بوتين", None, None)
    assert dataclasses.replace(span, end=4) == Span(0, 4, "PER", "بوتين", 0.9, "list:people")
    assert Event(span, "actual").arguments == ()
    with pytest.raises(ValueError, match="span PER has bad offsets 5:5"):
        Span(5, 5, "PER", "")
    with pytest.raises(ValueError, match="bad offsets -1:5"):
        dataclasses.replace(span, start=-1)
