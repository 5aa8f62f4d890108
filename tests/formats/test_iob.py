"""Reading CoNLL / IOB column files (IOB1, IOB2, BIOES; ANERcorp as distributed) into
documents with exact spans, and ingesting them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from khabar.cli import app
from khabar.corpus.project import Project
from khabar.formats import iob
from khabar.formats.ingest import ingest_paths
from khabar.formats.interchange import export_records
from khabar.formats.readers import ConllOptions
from tests.helpers import write_jsonl

runner = CliRunner()
LABELS = ("PER", "ORG", "GPE", "LOC", "FAC", "NORP", "DATE", "TIME", "MONEY")


def read(text: str, **options: Any) -> list[iob.Parsed]:
    return list(iob.read(text, "corpus", LABELS, **options))


def test_iob2_documents_become_texts_with_exact_spans() -> None:
    text = (
        "-DOCSTART- -X- O O\n\nقال\tO\nفلاديمير\tB-PERS\nبوتين\tI-PERS\nإن\tO\nروسيا\tB-LOC\n.\tO\n\n"
        "«\tO\nالناتو\tB-ORG\n»\tO\n\n-DOCSTART-\n\nفي\tO\nجنيف\tB-LOC\n"
    )
    first, second = read(text)
    assert first.record is not None and second.record is not None
    assert first.record["text"] == "قال فلاديمير بوتين إن روسيا.\n«الناتو»"
    assert [(e["text"], e["label"]) for e in first.record["entities"]] == [
        ("فلاديمير بوتين", "PER"),
        ("روسيا", "GPE"),
        ("الناتو", "ORG"),
    ]
    for e in first.record["entities"]:
        assert first.record["text"][e["start"] : e["end"]] == e["text"]
    assert first.record["id"] == "corpus-00001" and second.record["id"] == "corpus-00002"


def test_newdoc_ids_and_iob1_and_bioes() -> None:
    text = (
        "# newdoc id = news-7\nروسيا\tI-GPE\nو\tO\nأوكرانيا\tI-GPE\n\nجو\tB-PER\nبايدن\tE-PER\nقال\tS-PER\n"
    )
    (parsed,) = read(text, iob1=True)
    assert parsed.record is not None and parsed.record["id"] == "news-7" and parsed.repaired == 0
    assert [e["text"] for e in parsed.record["entities"]] == ["روسيا", "أوكرانيا", "جو بايدن", "قال"]


def test_loc_means_gpe_unless_the_corpus_has_gpe_and_the_tag_map_wins() -> None:
    (anercorp,) = read("بيروت\tB-LOC\nحلب\tB-MISC\n")
    assert anercorp.record is not None and [e["label"] for e in anercorp.record["entities"]] == ["GPE"]
    (wojood,) = read("النيل\tB-LOC\nمصر\tB-GPE\n")
    assert wojood.record is not None and [e["label"] for e in wojood.record["entities"]] == ["LOC", "GPE"]
    (mapped,) = read("بيروت\tB-LOC\nحلب\tB-MISC\n", tag_map=iob.parse_tag_map("LOC=LOC,MISC=ORG"))
    assert mapped.record is not None and [e["label"] for e in mapped.record["entities"]] == ["LOC", "ORG"]


def test_malformed_iob_is_reported_by_line_repaired_or_refused() -> None:
    text = "قال\tO\nالرئيس\tI-PERS\nروسيا\tB-FOO\n\n"
    (parsed,) = read(text)
    assert parsed.record is not None and parsed.repaired == 1
    assert [(i.line, i.fatal) for i in parsed.issues] == [(3, False)]
    assert "unknown tag 'B-FOO'" in parsed.issues[0].message
    (strict,) = read(text, strict=True)
    assert strict.record is None and any("without B-PERS" in i.message for i in strict.issues)
    (columns,) = read("قال\tO\nروسيا\tB-LOC\tX\n")
    assert columns.record is None and columns.issues[0].line == 2 and "3 columns" in columns.issues[0].message
    (spaces,) = read("جو بايدن\tB-PER\n")
    assert spaces.record is None and "holds a space" in spaces.issues[0].message


def test_a_file_without_blank_lines_has_its_sentences_ended_at_full_stops() -> None:
    # ANERcorp as distributed: one token a line and no blank line anywhere
    sentence = "قال\tO\nفلاديمير\tB-PERS\nبوتين\tI-PERS\nإن\tO\nروسيا\tB-LOC\n{}\tO\n"
    text = "".join(sentence.format(".?؟"[i % 3]) for i in range(5)) + "في\tO\n6.3\tO\n"
    first, second, third = read(text, sentences_per_document=2)
    assert first.ended_at_punctuation and third.ended_at_punctuation
    assert first.record is not None and third.record is not None
    assert first.record["text"] == "قال فلاديمير بوتين إن روسيا.\nقال فلاديمير بوتين إن روسيا?"
    assert third.record["text"] == "قال فلاديمير بوتين إن روسيا?\nفي 6.3"  # no cut after «6.3»
    assert [(e["text"], e["label"]) for e in first.record["entities"]] == [
        ("فلاديمير بوتين", "PER"),
        ("روسيا", "GPE"),
    ] * 2
    for parsed in (first, second, third):
        assert parsed.record is not None
        for e in parsed.record["entities"]:
            assert parsed.record["text"][e["start"] : e["end"]] == e["text"]
    # a blank line anywhere between tokens marks sentences: a full stop then ends none
    (marked,) = read("قال\tO\n.\tO\nروسيا\tB-LOC\n\nفي\tO\n")
    assert not marked.ended_at_punctuation
    assert marked.record is not None and marked.record["text"] == "قال. روسيا\nفي"
    # blank lines around document markers only do not
    (unmarked,) = read("-DOCSTART-\n\nقال\tO\n.\tO\nروسيا\tB-LOC\n\n")
    assert unmarked.ended_at_punctuation
    assert unmarked.record is not None and unmarked.record["text"] == "قال.\nروسيا"


def test_ingest_conll_reports_by_file_and_line_and_the_rest_goes_in(
    new_project: Callable[..., Project], tmp_path: Path
) -> None:
    made = new_project()
    good = tmp_path / "good.conll"
    good.write_text(
        "# newdoc id = a\nقال\tO\nبوتين\tI-PERS\n\n# newdoc id = b\nروسيا\tB-LOC\tx\n\n"
        "# newdoc id = c\nجنيف\tB-LOC\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["ingest", "--format", "conll", str(good), "-P", str(made.root)])
    assert result.exit_code == 1
    assert f"refused: {good}:5: document not read: line 6: 3 columns" in result.stderr
    assert f"note: {good}:1: read 1 I- tags without B- before them as B-" in result.output
    assert "2 added" in result.output and "1 I- tags without B- read as B-" in result.output
    assert {r["id"] for r in export_records(made)} == {"a", "c"}


def test_ingest_conll_through_the_library(new_project: Callable[..., Project], tmp_path: Path) -> None:
    made = new_project()
    path = tmp_path / "x.iob"
    path.write_text("روسيا\tB-LOC\n", encoding="utf-8")
    report = ingest_paths(made, [path], conll=ConllOptions())
    assert report.added == ["x-00001"] and not report.problems
    write_jsonl(tmp_path / "unused.jsonl", [])


def test_ingest_conll_notes_once_that_the_file_marks_no_sentence(
    new_project: Callable[..., Project], tmp_path: Path
) -> None:
    made = new_project()
    path = tmp_path / "anercorp.txt"
    path.write_text("".join(f"كلمة{i} O\nروسيا B-LOC\n. O\n" for i in range(45)), encoding="utf-8")
    result = runner.invoke(app, ["ingest", "--format", "conll", str(path), "-P", str(made.root)])
    assert result.exit_code == 0, result.output
    assert result.output.count("no blank line between sentences") == 1
    assert "3 added" in result.output
    texts = [r["text"] for r in export_records(made)]
    assert sorted(t.count("\n") + 1 for t in texts) == [5, 20, 20]
