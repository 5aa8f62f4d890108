from __future__ import annotations

import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from khabar.corpus import project
from khabar.corpus.project import Project
from khabar.formats.ingest import ingest_paths
from khabar.formats.interchange import export_records
from khabar.text.analysis import canonical
from tests.helpers import Record, write_jsonl


def corpus_bytes(made: Project) -> dict[str, bytes]:
    return {
        str(p.relative_to(made.root)): p.read_bytes()
        for folder in (made.corpus_dir, made.annotations_dir)
        for p in sorted(folder.rglob("*"))
    }


def test_txt_articles_get_canonical_text_and_an_id_from_their_content(
    tmp_path: Path, new_project: Callable[..., Project]
) -> None:
    made = new_project()
    article = tmp_path / "a.txt"
    article.write_bytes("\ufeff  أمريكا تهدد روسيا\r\nبعقوبات  \r\n".encode())
    report = ingest_paths(made, [article], source="test")
    assert report.added and not report.problems
    doc = made.store().document(report.added[0])
    assert doc is not None
    assert doc.text == "أمريكا تهدد روسيا\nبعقوبات"
    assert doc.id.startswith("doc-") and doc.source == "test"


def test_jsonl_with_gold_spans_is_ingested_and_exported_unchanged(
    tmp_path: Path, new_project: Callable[..., Project], seed_record: Record
) -> None:
    made = new_project()
    report = ingest_paths(made, [write_jsonl(tmp_path / "gold.jsonl", [seed_record])])
    assert report.added == ["seed-0001"] and report.gold_layers == 1
    (exported,) = export_records(made, "gold")
    assert exported == seed_record


def test_folders_are_walked_and_json_files_accepted(
    tmp_path: Path, new_project: Callable[..., Project], paragraph_records: list[Record]
) -> None:
    made = new_project()
    folder = tmp_path / "in" / "deep"
    folder.mkdir(parents=True)
    write_jsonl(folder / "a.jsonl", paragraph_records[:3])
    (folder / "b.json").write_text(json.dumps(paragraph_records[3:5], ensure_ascii=False), encoding="utf-8")
    (folder / "c.txt").write_text("خبر قصير عن لبنان.", encoding="utf-8")
    report = ingest_paths(made, [tmp_path / "in"])
    assert len(report.added) == 6 and not report.problems


def test_ingesting_the_same_articles_again_changes_nothing(
    tmp_path: Path, new_project: Callable[..., Project], paragraph_records: list[Record]
) -> None:
    made = new_project()
    source = write_jsonl(tmp_path / "p.jsonl", paragraph_records)
    ingest_paths(made, [source])
    before = corpus_bytes(made)
    again = ingest_paths(made, [source])
    assert again.unchanged == len(paragraph_records) and not again.added and again.gold_layers == 0
    assert corpus_bytes(made) == before


def test_crlf_text_moves_its_spans_onto_the_canonical_text(
    tmp_path: Path, new_project: Callable[..., Project]
) -> None:
    made = new_project()
    text = "عنوان\r\nقال بوتين"
    record = {
        "id": "crlf",
        "text": text,
        "entities": [{"start": 11, "end": 16, "label": "PER", "text": "بوتين"}],
        "events": [],
    }
    ingest_paths(made, [write_jsonl(tmp_path / "c.jsonl", [record])])
    (exported,) = export_records(made)
    assert exported["text"] == "عنوان\nقال بوتين"
    assert exported["entities"] == [{"start": 10, "end": 15, "label": "PER", "text": "بوتين"}]


def test_a_changed_text_under_the_same_id_is_refused_unless_replace(
    tmp_path: Path, new_project: Callable[..., Project]
) -> None:
    made = new_project()
    ingest_paths(made, [write_jsonl(tmp_path / "a.jsonl", [{"id": "x1", "text": "نص أول"}])])
    changed = write_jsonl(tmp_path / "b.jsonl", [{"id": "x1", "text": "نص ثان"}])
    refused = ingest_paths(made, [changed])
    assert [str(p) for p in refused.problems] == [
        f"{changed}:1: document 'x1' exists with a different text "
        "(pass --replace to replace it; its annotations will then need review)"
    ]
    assert made.store().document("x1").text == "نص أول"  # type: ignore[union-attr]
    replaced = ingest_paths(made, [changed], replace=True)
    assert replaced.replaced == ["x1"]
    assert made.store().document("x1").text == "نص ثان"  # type: ignore[union-attr]


def test_bad_input_is_reported_by_file_and_line_and_the_rest_goes_in(
    tmp_path: Path, new_project: Callable[..., Project], seed_record: Record
) -> None:
    made = new_project()
    ingest_paths(made, [write_jsonl(tmp_path / "first.jsonl", [{"id": "kept", "text": "خبر محفوظ"}])])
    kept = made.store().document("kept")
    outside = {
        **seed_record,
        "id": "outside",
        "entities": [{"start": 5000, "end": 5005, "label": "GPE", "text": "روسيا"}],
    }
    shifted = {
        **seed_record,
        "id": "shifted",
        "entities": [{"start": 25, "end": 33, "label": "GPE", "text": "أوكرانيا"}],
    }
    unknown = {
        **seed_record,
        "id": "unknown-label",
        "entities": [{"start": 24, "end": 32, "label": "COUNTRY", "text": "أوكرانيا"}],
    }
    lines = [
        json.dumps({"id": "good-1", "text": "خبر جيد"}, ensure_ascii=False),
        '{"id": "broken", "text": ',
        json.dumps({"id": "good-1", "text": "نص آخر"}, ensure_ascii=False),
        json.dumps({"id": "a/b", "text": "مسار"}, ensure_ascii=False),
        json.dumps({"id": "..", "text": "مسار"}, ensure_ascii=False),
        json.dumps({"id": "empty", "text": "  \n "}, ensure_ascii=False),
        json.dumps(outside, ensure_ascii=False),
        json.dumps(shifted, ensure_ascii=False),
        json.dumps(unknown, ensure_ascii=False),
        json.dumps({"id": "good-2", "text": "خبر جيد آخر"}, ensure_ascii=False),
    ]
    batch = tmp_path / "batch.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("caf\xe9".encode("latin-1"))
    report = ingest_paths(made, [batch, latin1, tmp_path / "missing.txt"])
    messages = [str(p) for p in report.problems]
    expected = [
        f"{batch}:2: not valid JSON",
        f"{batch}:3: duplicate id 'good-1' (first at {batch}:1)",
        f"{batch}:4: id 'a/b' is not allowed",
        f"{batch}:5: id '..' is not allowed",
        f"{batch}:6: the article is empty",
        f"{batch}:7: entity 0 (5000:5005): offsets outside the text",
        f"{batch}:8: entity 0 (25:33): text is 'أوكرانيا' but the article has 'وكرانيا،'",
        f"{batch}:9: entity 0 (24:32): label 'COUNTRY' is not in the scheme",
        f"{latin1}: not UTF-8 (byte 0xe9 at byte offset 3)",
        f"{tmp_path / 'missing.txt'}: no such file or folder",
    ]
    assert len(messages) == len(expected)
    for message, start in zip(messages, expected, strict=True):
        assert message.startswith(start), message
        assert "\n" not in message
    assert sorted(report.added) == ["good-1", "good-2"]
    assert made.store().document("kept") == kept
    assert made.store().count() == 3


def test_the_same_text_under_another_id_is_refused(
    tmp_path: Path, new_project: Callable[..., Project]
) -> None:
    made = new_project()
    ingest_paths(made, [write_jsonl(tmp_path / "a.jsonl", [{"id": "one", "text": "خبر"}])])
    report = ingest_paths(made, [write_jsonl(tmp_path / "b.jsonl", [{"id": "two", "text": "خبر"}])])
    assert "the same text is already document 'one'" in str(report.problems[0])


WORDS = [
    "روسيا",
    "لأوكرانيا",
    "للناتو",
    "وبوتين",
    "«بايدن»",
    "،",
    "قال",
    "٢٠٢٤",
    "😀",
    "القاهـــرة",
    "بِأُوكْرانِيا",
    "Biden",
    "\u200f",
    "ـ",
]


@st.composite
def records(draw: st.DrawFn) -> Record:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=20))
    seps = draw(
        st.lists(st.sampled_from([" ", "\n", "\r\n", "  "]), min_size=len(words), max_size=len(words))
    )
    text = "".join(w + s for w, s in zip(words, seps, strict=True))
    text = "  " + text
    points = sorted(draw(st.sets(st.integers(0, len(text)), max_size=10)))
    entities = []
    for a, b in zip(points[::2], points[1::2], strict=False):
        surface = text[a:b]
        if a < b and surface.strip() == surface and "\r" not in surface and surface != "\n":
            entities.append(
                {"start": a, "end": b, "label": draw(st.sampled_from(["PER", "GPE"])), "text": surface}
            )
    return {"id": "doc-1", "text": text, "entities": entities, "events": []}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(records())
def test_interchange_through_the_corpus_and_back_keeps_every_span(record: Record) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        made = project.init(Path(tmp) / "p")
        report = ingest_paths(made, [write_jsonl(Path(tmp) / "in.jsonl", [record])])
        assert not report.problems, report.problems
        (exported,) = export_records(made, "gold")
    assert exported["text"] == canonical(record["text"])
    assert [(e["label"], e["text"]) for e in exported["entities"]] == [
        (e["label"], canonical(e["text"])) for e in record["entities"]
    ]
    for e in exported["entities"]:
        assert exported["text"][e["start"] : e["end"]] == e["text"]
    if record["text"] == exported["text"]:
        assert exported["entities"] == record["entities"]


def test_articles_set_aside_while_ingesting_leave_nothing_behind(
    tmp_path: Path, new_project: Callable[..., Project], paragraph_records: list[Record]
) -> None:
    made = new_project()
    killed = made.state_dir / "ingest-killed"  # what a killed ingest leaves
    killed.mkdir(parents=True)
    (killed / "01.documents.jsonl").write_text("{}\n", encoding="utf-8")
    report = ingest_paths(made, [write_jsonl(tmp_path / "p.jsonl", paragraph_records)])
    assert len(report.added) == len(paragraph_records)
    assert not list(made.state_dir.glob("ingest-*"))
    assert sorted(doc.id for doc in made.store().documents()) == sorted(r["id"] for r in paragraph_records)


def test_a_gold_layer_changed_in_the_input_replaces_the_stored_one(
    tmp_path: Path, new_project: Callable[..., Project], seed_record: Record
) -> None:
    made = new_project()
    ingest_paths(made, [write_jsonl(tmp_path / "gold.jsonl", [seed_record])])
    fewer = {**seed_record, "entities": seed_record["entities"][1:]}
    again = ingest_paths(made, [write_jsonl(tmp_path / "fewer.jsonl", [fewer])])
    assert again.unchanged == 1 and again.gold_layers == 1
    (exported,) = export_records(made, "gold")
    assert exported == fewer


def test_articles_set_aside_a_few_at_a_time_make_the_same_store(
    tmp_path: Path, new_project: Callable[..., Project], paragraph_records: list[Record], monkeypatch: Any
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # the gold layers' time stamps, fixed
    source = write_jsonl(tmp_path / "p.jsonl", paragraph_records)
    whole = new_project(name="whole")
    ingest_paths(whole, [source])
    monkeypatch.setattr("khabar.formats.ingest.ASIDE_BUFFER", 500)  # appended every few articles
    bit_by_bit = new_project(name="bit-by-bit")
    ingest_paths(bit_by_bit, [source])
    assert corpus_bytes(bit_by_bit) == corpus_bytes(whole)


def test_the_corpus_keeps_the_order_articles_came_in(
    tmp_path: Path, new_project: Callable[..., Project], paragraph_records: list[Record]
) -> None:
    # ids that sort, and shards that hash, otherwise: only the order file knows
    first = [{**r, "id": f"z-{n}"} for n, r in enumerate(paragraph_records[:3])]
    second = [{**r, "id": f"a-{n}"} for n, r in enumerate(paragraph_records[3:5])]
    made = new_project(first)
    changed = {**first[1], "text": first[1]["text"] + " تحديث", "spans": [], "events": []}
    report = ingest_paths(made, [write_jsonl(tmp_path / "second.jsonl", [*second, first[0]])])
    assert report.added == ["a-0", "a-1"] and report.unchanged == 1
    ingest_paths(made, [write_jsonl(tmp_path / "third.jsonl", [changed])], replace=True)
    # a document seen again, or replaced by a new text, keeps the place it first came in at
    assert made.store().ingest_order() == ["z-0", "z-1", "z-2", "a-0", "a-1"]
    assert (made.corpus_dir / "order.txt").read_text() == "z-0\nz-1\nz-2\na-0\na-1\n"
