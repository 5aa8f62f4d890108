"""Nothing lost: hostile input at every entry point, commands killed at random points,
two processes on one project, a Label Studio server killed in the middle of a push and of
a pull, and data that tries to leave the project. Real files, real processes, the real
server; what was tried and checked is counted and printed at the end of the run.

The fast tests run with the unit tests; the slow ones (marked slow: files of hundreds of
MB, SIGKILL loops) and those that need Label Studio (marked integration) with
`nox -s integration`.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import conllu
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from khabar.cli import app
from khabar.corpus import project
from khabar.corpus.model import Document, Layer, Provenance, Span
from khabar.corpus.project import Project
from khabar.corpus.records import layer_from_record
from khabar.corpus.scheme import Scheme
from khabar.formats import ingest
from khabar.formats.conllu_format import document_lines, read_spans
from khabar.formats.labelstudio import annotation_layer
from khabar.formats.readers import ConllOptions, Problem
from khabar.release import check as release
from khabar.studio import server as studio
from khabar.text.analysis import canonical, tokens
from tests.helpers import ROBUSTNESS, SEED, articles, entity_region, paragraphs, udvalidate, write_jsonl

runner = CliRunner()
ARTICLE = "رفضت روسيا أمس انضمام أوكرانيا للناتو."


def khabar(*args: str | Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """The real command, in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "khabar", *map(str, args)], capture_output=True, text=True, timeout=timeout
    )


def no_traceback(*outputs: str) -> None:
    for output in outputs:
        assert "Traceback" not in output, output


def refusals(stderr: str) -> dict[str, str]:
    """``refused: WHERE: message`` lines, by where."""
    found = {}
    for line in stderr.splitlines():
        assert line.startswith("refused: "), f"not a one-line refusal: {line!r}"
        where, _, message = line.removeprefix("refused: ").partition(": ")
        found[where] = message
    return found


# --- hostile input: ingest -----------------------------------------------------------

HOSTILE_FILES: list[tuple[str, bytes, str | None]] = [
    # name, bytes, what the one-line refusal says (None: read correctly, checked below)
    ("invalid-utf8.txt", ARTICLE.encode() + b"\xff\xfe tail", "not UTF-8 (byte 0xff"),
    ("overlong.txt", b"\xc0\xaf" + ARTICLE.encode(), "not UTF-8 (byte 0xc0"),
    ("surrogate-bytes.txt", b"\xed\xa0\x80" + ARTICLE.encode(), "not UTF-8 (byte 0xed"),
    ("nul.txt", ARTICLE.encode() + b"\x00\x00", "NUL character"),
    ("empty.txt", b"", "the article is empty"),
    ("blank.txt", " \r\n\t\n\u3000".encode(), "the article is empty"),
    ("bom.txt", b"\xef\xbb\xbf" + ARTICLE.encode(), None),
    ("crlf.txt", (ARTICLE + "\r\n\r\n" + ARTICLE.replace("أمس", "اليوم") + "\r\n").encode(), None),
    ("nfd.txt", unicodedata.normalize("NFD", "قالت آمنة إنّ أوكرانيا ستردّ.").encode(), None),
    ("bidi.txt", ("\u202e" + ARTICLE.replace("أمس", "الأحد") + "\u202c\u2067x\u2069").encode(), None),
    ("astral.txt", ("🇷🇺 " + ARTICLE.replace("أمس", "اليوم") + " 😀𝕏").encode(), None),
    ("not-an-article.pdf", b"%PDF-1.4", "unknown file type '.pdf'"),  # named: refused; in a folder: not taken
]


def hostile_jsonl() -> tuple[bytes, dict[int, str | None]]:
    """A JSON Lines file with one hostile record a line, and what each line should give."""
    text = "😀 " + ARTICLE  # an astral character right before the spans: offsets are code points
    good_spans = [
        {"start": 7, "end": 12, "label": "GPE", "text": "روسيا"},
        {"start": 24, "end": 32, "label": "GPE", "text": "أوكرانيا"},
    ]
    lines: list[tuple[bytes, str | None]] = [
        (
            json.dumps({"id": "astral-1", "text": text, "entities": good_spans}, ensure_ascii=False).encode(),
            None,
        ),
        (json.dumps({"id": "../../etc/passwd", "text": ARTICLE + " 1"}).encode(), "is not allowed"),
        (json.dumps({"id": "a/b", "text": ARTICLE + " 2"}).encode(), "is not allowed"),
        (json.dumps({"id": "a\\b", "text": ARTICLE + " 3"}).encode(), "is not allowed"),
        (json.dumps({"id": "x\u0007y", "text": ARTICLE + " 4"}).encode(), "is not allowed"),
        (json.dumps({"id": ".hidden", "text": ARTICLE + " 5"}).encode(), "is not allowed"),
        (json.dumps({"id": "x" * 300, "text": ARTICLE + " 6"}).encode(), "is not allowed"),
        (json.dumps({"id": 7, "text": ARTICLE + " 7"}).encode(), "id must be a string"),
        (json.dumps({"id": "CON", "text": ARTICLE + " 8"}).encode(), None),  # ids never name files
        (json.dumps({"id": "nul", "text": ARTICLE + " 9"}).encode(), None),
        (b'{"id": "lone", "text": "abc \\ud800 def"}', "lone surrogate"),
        (json.dumps({"id": "nested", "text": ARTICLE, "title": [[[[]]]]}).encode(), "title must be a string"),
        (b"[" * 50_000 + b"]" * 50_000, "nested too deeply"),
        (
            b'{"id": "deep", "text": "x", "entities": ' + b"[" * 5_000 + b"]" * 5_000 + b"}",
            "nested too deeply",
        ),
        (b'{"id": "cut", "text": "' + ARTICLE.encode(), "not valid JSON"),
        (b'{"id": "bad-bytes", "text": "\xff"}', "not UTF-8"),
        (json.dumps({"id": "t1", "text": ["a list"]}).encode(), "text must be a string"),
        (json.dumps({"id": "t2", "text": "\u3000 \n\t"}).encode(), "the article is empty"),
        (json.dumps({"id": "t3", "text": "a\u0000b"}).encode(), "NUL character"),
        (
            json.dumps({"id": "o1", "text": text, "entities": [{**good_spans[0], "end": 10**30}]}).encode(),
            "entity 0",
        ),
        (
            json.dumps({"id": "o2", "text": text, "entities": [{**good_spans[0], "start": True}]}).encode(),
            "start and end must be integers",
        ),
        (
            json.dumps({"id": "o3", "text": text, "entities": [{**good_spans[0], "start": 5.0}]}).encode(),
            "start and end must be integers",
        ),
        (
            # UTF-16 offsets (what a JavaScript tool would give) do not point at the name
            json.dumps(
                {"id": "o4", "text": text, "entities": [{**good_spans[0], "start": 8, "end": 13}]},
                ensure_ascii=False,
            ).encode(),
            "entity 0",
        ),
        (json.dumps({"id": "o5", "text": text, "entities": {"not": "a list"}}).encode(), "entities"),
        (
            json.dumps(
                {"id": "o6", "text": text, "entities": [{**good_spans[0], "label": "<b>"}]},
                ensure_ascii=False,
            ).encode(),
            "label",
        ),
        (b"   ", None),  # a blank line is no record
    ]
    data = b"".join(line + b"\n" for line, _ in lines)
    return data, {number: expected for number, (_, expected) in enumerate(lines, start=1) if _ != b"   "}


def test_hostile_files_get_one_line_errors_and_the_rest_goes_in_with_its_offsets(tmp_path: Path) -> None:
    made = project.init(tmp_path / "p")
    folder = tmp_path / "in"
    folder.mkdir()
    for name, data, _ in HOSTILE_FILES:
        (folder / name).write_bytes(data)
    jsonl, jsonl_expected = hostile_jsonl()
    (folder / "records.jsonl").write_bytes(jsonl)
    (folder / "list.json").write_bytes(b"[" + b"1," * 3 + b'{"text": "\xd9\x86\xd8\xb5"}]')

    named = folder / "not-an-article.pdf"
    result = runner.invoke(app, ["ingest", str(folder), str(named), "-P", str(made.root)])
    no_traceback(result.output, result.stderr)
    assert result.exit_code == 1  # some were refused
    refused = refusals(result.stderr)

    expected: dict[str, str | None] = {str(folder / name): want for name, _, want in HOSTILE_FILES}
    expected.update({f"{folder / 'records.jsonl'}:{n}": want for n, want in jsonl_expected.items()})
    expected.update({f"{folder / 'list.json'}[{i}]": "expected a JSON object" for i in range(3)})
    for where, want in expected.items():
        if want is None:
            assert where not in refused, refused[where]
        else:
            assert where in refused, f"{where} was not refused"
            assert want in refused[where], (where, refused[where])
    assert set(refused) <= set(expected), set(refused) - set(expected)

    docs = {d.id: d for d in made.store().documents()}
    texts = set(d.text for d in docs.values())
    for doc in docs.values():
        assert doc.text == canonical(doc.text) and doc.text.strip() == doc.text
        assert "\r" not in doc.text and "\ufeff" not in doc.text and "\x00" not in doc.text
        assert unicodedata.is_normalized("NFC", doc.text)
    assert unicodedata.normalize("NFC", "قالت آمنة إنّ أوكرانيا ستردّ.") in texts
    assert {"astral-1", "CON", "nul"} <= set(docs)
    assert not list(made.root.rglob("CON*")) and not (tmp_path / "etc").exists()
    (gold,) = [x for x in made.store().layers("astral-1") if x.name == "gold"]
    assert [(s.start, s.end, s.text) for s in gold.entities] == [(7, 12, "روسيا"), (24, 32, "أوكرانيا")]
    ROBUSTNESS["hostile inputs tried (files and records)"] += len(expected)
    ROBUSTNESS["  refused with a one-line error naming file and line"] += len(refused)

    # what went in goes all the way out: validate, release, UD validator, datasets
    assert runner.invoke(app, ["preannotate", "-P", str(made.root)]).exit_code == 0
    checked = runner.invoke(app, ["validate", "-P", str(made.root)])
    assert checked.exit_code == 0, checked.output
    assert "invisible-chars" in checked.output  # the bidi controls are pointed out
    cut = runner.invoke(app, ["release", "1.0.0", "--allow-unreviewed", "-P", str(made.root)])
    assert cut.exit_code == 0, cut.output + cut.stderr
    out = made.build_dir / "1.0.0"
    assert release.check(out) == []
    for conllu_file in (out / "conllu").glob("*.conllu"):
        if conllu_file.stat().st_size:
            ud = udvalidate(conllu_file)
            assert ud.returncode == 0, ud.stdout + ud.stderr
    import datasets

    rows = [row for split in datasets.load_dataset(str(out), "documents").values() for row in split]
    by_id = {row["id"]: row for row in rows}
    assert [(e["start"], e["end"], e["text"]) for e in by_id["astral-1"]["entities"]] == [
        (7, 12, "روسيا"),
        (24, 32, "أوكرانيا"),
    ]
    ROBUSTNESS["documents checked after hostile input (validate, UD, datasets)"] += len(rows)


@pytest.mark.slow
def test_files_of_hundreds_of_megabytes_are_refused_without_being_loaded(tmp_path: Path) -> None:
    made = project.init(tmp_path / "p")
    folder = tmp_path / "big"
    folder.mkdir()
    with (folder / "huge.txt").open("wb") as sparse:  # 400 MB, and never read
        sparse.truncate(400 * 1024 * 1024)
    (folder / "one-line.txt").write_bytes((ARTICLE + " ").encode() * (50 * 1024 * 1024 // 72))
    line = (ARTICLE + " ").encode() * (300 * 1024 * 1024 // 72)
    with (folder / "huge.jsonl").open("wb") as out:
        out.write(json.dumps({"id": "before", "text": ARTICLE}, ensure_ascii=False).encode() + b"\n")
        out.write(b'{"id": "huge", "text": "' + line + b'"}\n')
        out.write(json.dumps({"id": "after", "text": ARTICLE + " 2"}, ensure_ascii=False).encode() + b"\n")
    (folder / "one-line.conll").write_bytes("روسيا B-LOC ".encode() * (50 * 1024 * 1024 // 18))
    started = time.monotonic()
    result = khabar("ingest", folder, "-P", made.root)
    conll = khabar("ingest", "--format", "conll", folder / "one-line.conll", "-P", made.root)
    no_traceback(result.stderr, conll.stderr)
    refused = refusals(result.stderr) | refusals(conll.stderr)
    assert "more than the" in refused[str(folder / "huge.txt")]
    assert "more than the" in refused[str(folder / "one-line.txt")]
    assert "line is longer than" in refused[f"{folder / 'huge.jsonl'}:2"]
    assert "not a token line" in refused[f"{folder / 'one-line.conll'}:1"]
    assert {d.id for d in made.store().documents()} == {"before", "after"}  # the rest went in
    assert time.monotonic() - started < 120
    ROBUSTNESS["hostile inputs tried (files and records)"] += 4
    ROBUSTNESS["  refused with a one-line error naming file and line"] += 4


def test_malformed_iob_is_reported_by_line_and_repaired_or_refused(tmp_path: Path) -> None:
    made = project.init(tmp_path / "p")
    data = (
        "-DOCSTART- O\n\nروسيا B-LOC\nترفض O\nبوتين I-PERS\n\n"  # I- without B-: repaired as B-
        "-DOCSTART- O\n\nفي O\nجنيف\n\n"  # a line without a tag
        "-DOCSTART- O\n\nفي O B-X\nجنيف B-LOC\n\n"  # the wrong number of columns
        "-DOCSTART- O\n\nكلمة\tB-LOC\nكلمتان معا\tO\n\n"  # a token holding a space
        "-DOCSTART- O\n\nواشنطن B-WHAT\n\n"  # an unknown tag: read as O and said
        "# newdoc id = ../escape\nx O\n\n"  # an id that would leave the project
    )
    (tmp_path / "c.conll").write_text(data, encoding="utf-8")
    result = runner.invoke(
        app, ["ingest", "--format", "conll", str(tmp_path / "c.conll"), "-P", str(made.root)]
    )
    no_traceback(result.output, result.stderr)
    lines = (result.output + result.stderr).splitlines()
    where = str(tmp_path / "c.conll")
    assert f"note: {where}:1: read 1 I- tags without B- before them as B-" in lines
    assert f"note: {where}:24: unknown tag 'B-WHAT' (give it a target with --tag-map)" in lines
    assert any(
        line.startswith(f"refused: {where}:7: document not read: line 10: 1 columns") for line in lines
    )
    assert any(
        line.startswith(f"refused: {where}:12: document not read: line 14: 3 columns") for line in lines
    )
    assert any(line.startswith(f"refused: {where}:17: document not read: line 20: token") for line in lines)
    assert any(line.startswith(f"refused: {where}:26: id '../escape' is not allowed") for line in lines)
    assert len(list(made.store().documents())) == 2  # the repaired one and the one with an unknown tag
    strict = runner.invoke(
        app, ["ingest", "--format", "conll", "--strict", str(tmp_path / "c.conll"), "-P", str(tmp_path / "q")]
    )
    assert strict.exit_code == 1
    ROBUSTNESS["hostile inputs tried (files and records)"] += 6


# --- hostile input: a release to check --------------------------------------------------


@pytest.fixture(scope="module")
def cut_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("release")
    made = project.init(root / "p")
    record = json.loads(SEED.read_text(encoding="utf-8"))
    assert (
        runner.invoke(
            app, ["ingest", str(write_jsonl(root / "in.jsonl", paragraphs(record))), "-P", str(made.root)]
        ).exit_code
        == 0
    )
    assert runner.invoke(app, ["release", "1.0.0", "-P", str(made.root)]).exit_code == 0
    return made.build_dir / "1.0.0"


def _rehash(folder: Path, name: str) -> None:
    """Change the manifest to match a tampered file, as a careful forger would."""
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"][name] = release.sha256_file(folder / name)
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _tamper_manifest(value: Any) -> Any:
    def tamper(folder: Path) -> None:
        (folder / "manifest.json").write_text(json.dumps(value) if not isinstance(value, bytes) else "")
        if isinstance(value, bytes):
            (folder / "manifest.json").write_bytes(value)

    return tamper


def _outside(folder: Path) -> None:
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"]["../../../../etc/hostname"] = "0" * 64
    (folder / "manifest.json").write_text(json.dumps(manifest))


def _symlink(folder: Path) -> None:
    secret = folder.parent / "secret.txt"
    secret.write_text("outside")
    (folder / "link.txt").symlink_to(secret)
    _rehash(folder, "link.txt")


def _garbage_parquet(folder: Path) -> None:
    (folder / "documents" / "train.parquet").write_bytes(b"PAR1 not really")
    _rehash(folder, "documents/train.parquet")


def _wrong_table(folder: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"id": [1, 2], "text": ["a", "b"]}), folder / "documents" / "train.parquet")
    _rehash(folder, "documents/train.parquet")


def _bad_conllu(data: bytes) -> Any:
    def tamper(folder: Path) -> None:
        (folder / "conllu" / "train.conllu").write_bytes(data)
        _rehash(folder, "conllu/train.conllu")

    return tamper


RELEASE_TAMPERING = {
    "manifest not JSON": (_tamper_manifest(b"{not json"), "cannot read the manifest"),
    "manifest not UTF-8": (_tamper_manifest(b'{"files": "\xff"}'), "cannot read the manifest"),
    "manifest a list": (_tamper_manifest([1, 2]), "not a khabar manifest"),
    "files not a mapping": (_tamper_manifest({"files": ["README.md"]}), "not a khabar manifest"),
    "deep manifest": (_tamper_manifest(b"[" * 100_000 + b"]" * 100_000), "cannot read the manifest"),
    "path outside": (_outside, "points outside the release"),
    "symlink outside": (_symlink, "points outside the release"),
    "garbage parquet": (_garbage_parquet, "not a readable parquet file"),
    "wrong table": (_wrong_table, "not a documents table"),
    "conllu not UTF-8": (_bad_conllu(b"# newdoc id = x\n\xff\n"), "not UTF-8"),
    "conllu cut short": (_bad_conllu(b"# newdoc id = seed-0001-p01\n1\tx"), "conllu"),
    "extra file": (lambda folder: (folder / "extra.txt").write_text("x"), "not listed in the manifest"),
}


@pytest.mark.parametrize("case", sorted(RELEASE_TAMPERING))
def test_a_tampered_release_is_refused_in_one_line(case: str, cut_release: Path, tmp_path: Path) -> None:
    tamper, message = RELEASE_TAMPERING[case]
    folder = tmp_path / "1.0.0"
    shutil.copytree(cut_release, folder)
    tamper(folder)
    result = runner.invoke(app, ["release", "check", str(folder)])
    no_traceback(result.output, result.stderr, repr(result.exception))
    assert result.exit_code == 1, result.output
    assert message in result.output + result.stderr
    ROBUSTNESS["tampered releases checked (all refused)"] += 1


def test_a_release_version_cannot_leave_the_build_folder(tmp_path: Path) -> None:
    made = project.init(tmp_path / "p")
    for version in ("../x", "/tmp/x", "a/b", ".hidden", ""):
        result = runner.invoke(app, ["release", "cut", version, "--allow-unreviewed", "-P", str(made.root)])
        assert result.exit_code != 0 and "Traceback" not in result.output
    assert not (tmp_path / "x").exists() and not (made.root / "build").exists()
    for name in ("../m", "a/b"):
        result = runner.invoke(app, ["train", "--name", name, "-P", str(made.root)])
        assert result.exit_code == 1


# --- hostile input: annotations from Label Studio ----------------------------------------

PULL_GARBAGE: dict[str, tuple[Any, str]] = {
    "results not a list": ({"a": 1}, "not a list of regions"),
    "result not an object": (["x"], "not an object"),
    "value not an object": ([{"type": "labels", "from_name": "entity", "value": [1]}], "not an object"),
    "offsets as text": (
        [{"type": "labels", "from_name": "entity", "value": {"start": "0", "end": 5, "labels": ["GPE"]}}],
        "outside the text",
    ),
    "offsets as booleans": (
        [
            {
                "type": "labels",
                "from_name": "entity",
                "value": {"start": False, "end": True, "labels": ["GPE"]},
            }
        ],
        "outside the text",
    ),
    "offsets past the end": (
        [{"type": "labels", "from_name": "entity", "value": {"start": 5, "end": 10**9, "labels": ["GPE"]}}],
        "outside the text",
    ),
    "labels a string": (
        [{"type": "labels", "from_name": "entity", "value": {"start": 5, "end": 10, "labels": "GPE"}}],
        "not one entity label",
    ),
    "label not in the scheme": (
        [{"type": "labels", "from_name": "entity", "value": {"start": 5, "end": 10, "labels": ["<x/>"]}}],
        "not one entity label",
    ),
    "text not the text": (
        [
            {
                "type": "labels",
                "from_name": "entity",
                "value": {"start": 5, "end": 10, "labels": ["GPE"], "text": "بوتين"},
            }
        ],
        "says 'بوتين'",
    ),
    "relation to nowhere": (
        [{"type": "relation", "from_id": "a", "to_id": "b", "labels": ["Actor"]}],
        "does not exist",
    ),
    "realis garbage": ([{"type": "choices", "from_name": "realis", "value": {"choices": [[1]]}}], "realis"),
}


@pytest.mark.parametrize("case", sorted(PULL_GARBAGE))
def test_a_hostile_annotation_is_refused_with_a_reason(case: str, scheme: Scheme) -> None:
    results, reason = PULL_GARBAGE[case]
    doc = Document("d1", ARTICLE)
    with pytest.raises(ValueError) as raised:
        annotation_layer(doc, results, scheme, Provenance("annotator@example.org"))
    assert reason in str(raised.value), str(raised.value)
    ROBUSTNESS["hostile Label Studio results refused"] += 1


# --- property-based fuzzing: the readers and the CoNLL-U writer ---------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
interesting_keys = st.sampled_from(
    [
        "id",
        "text",
        "entities",
        "events",
        "start",
        "end",
        "label",
        "type",
        "trigger",
        "arguments",
        "role",
        "realis",
        "title",
    ]
)


@st.composite
def record_like(draw: st.DrawFn) -> bytes:
    """JSON that looks like a record, with any value in any place."""
    text = draw(st.text(min_size=0, max_size=40))
    record: dict[str, Any] = {"text": text}
    record.update(draw(st.dictionaries(interesting_keys, json_values, max_size=4)))
    if draw(st.booleans()) and text:
        a = draw(st.integers(0, len(text)))
        b = draw(st.integers(a, len(text)))
        record["entities"] = [
            {"start": a, "end": b, "label": draw(st.sampled_from(["PER", "GPE", "X"])), "text": text[a:b]}
        ]
    return json.dumps(record, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")


def _read_all(path: Path, scheme: Scheme, conll: bool = False) -> list[Any]:
    return list(ingest.read([path], scheme, conll=ConllOptions() if conll else None))


def _check_items(found: list[Any]) -> None:
    for item in found:
        if isinstance(item, Problem):
            assert "\n" not in str(item)
            continue
        doc = item.doc
        assert doc.text and doc.text == canonical(doc.text)
        doc.text.encode("utf-8")  # storable
        if item.gold is not None:
            for span in item.gold.entities:
                assert doc.text[span.start : span.end] == span.text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=600), suffix=st.sampled_from([".txt", ".jsonl", ".json", ".conll"]))
def test_fuzz_any_bytes_give_documents_or_one_line_problems(
    data: bytes, suffix: str, scheme: Scheme, tmp_path: Path
) -> None:
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(data)
    _check_items(_read_all(path, scheme, conll=suffix == ".conll"))
    ROBUSTNESS["fuzzed inputs read (hypothesis)"] += 1


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(record_like(), min_size=1, max_size=5))
def test_fuzz_record_like_json_lines_give_documents_or_one_line_problems(
    lines: list[bytes], scheme: Scheme, tmp_path: Path
) -> None:
    path = tmp_path / "fuzz.jsonl"
    path.write_bytes(b"\n".join(lines))
    found = _read_all(path, scheme)
    assert len(found) == sum(1 for line in lines if line.strip())
    _check_items(found)
    ROBUSTNESS["fuzzed inputs read (hypothesis)"] += 1


@settings(max_examples=300, deadline=None)
@given(raw=st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=60), data=st.data())
def test_fuzz_conllu_of_any_text_parses_and_gives_back_the_spans(raw: str, data: st.DataObject) -> None:
    text = canonical(raw)
    if not text or "\x00" in text:
        return
    doc = Document("fuzz-1", text)
    edges = sorted({p for a, b in tokens(text) for p in (a, b)})
    chosen = sorted(data.draw(st.sets(st.sampled_from(edges), max_size=6))) if edges else []
    spans = tuple(
        Span(a, b, "GPE", text[a:b])
        for a, b in zip(chosen[::2], chosen[1::2], strict=False)
        if a < b and not text[a].isspace() and not text[b - 1].isspace()
    )
    layer = Layer(doc.id, "gold", "gold", doc.sha256, Provenance("fuzz"), spans, ())
    lines = list(document_lines(doc, layer))
    for line in lines:
        assert "\n" not in line and "\r" not in line
        if line and not line.startswith("#"):
            columns = line.split("\t")
            assert len(columns) == 10 and columns[1] and not any(c.isspace() for c in columns[1])
    data_text = "\n".join(lines) + "\n"
    conllu.parse(data_text)
    (back,) = read_spans(data_text, {doc.id: doc.text})
    assert [(s.start, s.end) for s in back.entities] == [(s.start, s.end) for s in spans]
    ROBUSTNESS["fuzzed texts written as CoNLL-U and read back (hypothesis)"] += 1


# --- crash safety: commands killed with SIGKILL at random points -----------------------------


def stored_files(made: Project) -> dict[str, bytes]:
    return {
        str(p.relative_to(made.root)): p.read_bytes()
        for folder in (made.corpus_dir, made.annotations_dir)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def assert_whole(made: Project) -> tuple[int, int]:
    """Every stored file complete (whole lines of JSON), the corpus valid; returns how many
    documents and annotation layers were checked."""
    layers = 0
    for name, data in stored_files(made).items():
        if name.endswith(".tmp") or Path(name).name.startswith("."):
            continue  # a temporary file a killed write left: never read, removed by the next command
        assert data.endswith(b"\n"), f"{name} is truncated"
        if name == "corpus/order.txt":  # the ingest order: one id a line, each once
            ids = data.decode("utf-8").splitlines()
            assert len(ids) == len(set(ids)) and all(ids), f"{name} is not one id a line"
            continue
        for line in data.decode("utf-8").splitlines():
            record = json.loads(line)
            if "name" in record:
                layer_from_record(record)
                layers += 1
    checked = khabar("validate", "-P", made.root)
    assert checked.returncode == 0 and " 0 errors" in checked.stdout, checked.stdout + checked.stderr
    return len(list(made.store().documents())), layers


def listing(made: Project) -> set[tuple[str, int, int]]:
    """Names, sizes and times of the files a command writes, cheaply (for timing a kill)."""
    found = set()
    for folder in (made.corpus_dir, made.annotations_dir, made.store().drafts_dir, made.build_dir):
        if folder.is_dir():
            for entry in os.scandir(folder):
                try:
                    stat = entry.stat(follow_symlinks=False)
                except FileNotFoundError:  # a temporary file renamed into place under our eyes
                    continue
                found.add((entry.path, stat.st_size, stat.st_mtime_ns))
    return found


def snapshot(made: Project) -> dict[str, Any]:
    """What the store holds, without the times it was written."""
    store = made.store()
    held: dict[str, Any] = {"docs": {d.id: d.sha256 for d in store.documents()}}
    for shard in store.shards():
        for doc_id, layers in store.shard_layers(shard).items():
            for layer in layers:
                held[f"{doc_id} {layer.name}"] = (layer.entities, layer.events, layer.text_sha256)
        for doc_id, draft in store.shard_drafts(shard).items():
            held[f"{doc_id} pre"] = (draft.entities, draft.events, draft.text_sha256)
    return held


def release_rows(folder: Path) -> list[Any]:
    import pyarrow.parquet as pq

    return sorted(
        (
            json.dumps(row, ensure_ascii=False, sort_keys=True)
            for p in sorted((folder / "documents").glob("*.parquet"))
            for row in pq.read_table(p).to_pylist()
        ),
    )


CRASH_SIZES = {"ingest": 5_000, "preannotate": 1_500, "release": 800}
KILLS = 4


@pytest.mark.slow
@pytest.mark.parametrize("command", sorted(CRASH_SIZES))
def test_a_command_killed_at_random_points_loses_nothing_and_finishes_when_run_again(
    command: str, tmp_path: Path
) -> None:
    base = project.init(tmp_path / "base")
    sources = write_jsonl(tmp_path / "articles.jsonl", articles(CRASH_SIZES[command]))
    if command != "ingest":
        assert khabar("ingest", sources, "-P", base.root).returncode == 0
    if command == "release":
        assert khabar("preannotate", "-P", base.root).returncode == 0
    commands: dict[str, list[str | Path]] = {
        "ingest": ["ingest", sources],
        "preannotate": ["preannotate"],
        "release": ["release", "1.0.0", "--allow-unreviewed"],
    }
    args = commands[command]

    reference = project.load(Path(shutil.copytree(base.root, tmp_path / "reference")))
    started = time.monotonic()
    done = khabar(*args, "-P", reference.root)
    duration = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    expected = snapshot(reference)
    expected_rows = release_rows(reference.build_dir / "1.0.0") if command == "release" else None

    rng = random.Random(command)
    before = stored_files(base)
    for trial in range(KILLS):
        work = project.load(Path(shutil.copytree(base.root, tmp_path / f"trial-{trial}")))
        process = subprocess.Popen(
            [sys.executable, "-m", "khabar", *map(str, args), "-P", str(work.root)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # a random point of its writing: once the first file changes, somewhere in what is left
        started = time.monotonic()
        first = listing(work)
        while process.poll() is None and listing(work) == first:
            time.sleep(0.005)
        time.sleep(rng.uniform(0, max(duration - (time.monotonic() - started), 0.05)))
        process.send_signal(signal.SIGKILL)
        process.wait()
        ROBUSTNESS[f"SIGKILL during `khabar {command}`"] += 1
        if stored_files(work) != before or (work.build_dir.exists() and any(work.build_dir.iterdir())):
            ROBUSTNESS[f"SIGKILL during `khabar {command}`, cut into its writing"] += 1
        documents, layers = assert_whole(work)
        ROBUSTNESS["documents checked intact after a fault"] += documents
        ROBUSTNESS["annotation layers checked intact after a fault"] += layers
        if command == "release":
            assert stored_files(work) == before  # a release never touches the corpus
            assert not (work.build_dir / "1.0.0").exists() or release.check(work.build_dir / "1.0.0") == []
        again = khabar(*args, "-P", work.root)
        if command == "release" and "already exists" in again.stderr:
            pass  # killed after the release was renamed into place: it is complete
        else:
            assert again.returncode == 0, again.stdout + again.stderr
        assert snapshot(work) == expected
        assert not [p for p in work.root.rglob("*.tmp") if ".khabar" not in p.parts]
        if command == "release":
            assert release.check(work.build_dir / "1.0.0") == []
            assert release_rows(work.build_dir / "1.0.0") == expected_rows
            assert not list(work.build_dir.glob(".*partial*"))


# --- concurrency: one writer at a time ------------------------------------------------------


@pytest.mark.slow
def test_a_second_writer_is_told_who_holds_the_project_and_a_dead_holder_is_no_obstacle(
    tmp_path: Path,
) -> None:
    made = project.init(tmp_path / "p")
    sources = write_jsonl(tmp_path / "a.jsonl", articles(50))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from khabar.corpus import project\n"
            "with project.load(Path(sys.argv[1])).writing('khabar pull'):\n"
            "    print('held', flush=True); time.sleep(600)",
            str(made.root),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    for command in (["ingest", sources], ["preannotate"], ["release", "1.0.0", "--allow-unreviewed"]):
        busy = khabar(*command, "-P", made.root)
        assert busy.returncode == 1
        assert busy.stderr.splitlines()[0].startswith(
            f"error: the project is busy: pid {holder.pid} is running `khabar pull` since "
        ), busy.stderr
        assert busy.stderr.splitlines()[1].startswith("hint: wait for that command to finish")
        ROBUSTNESS["concurrent writers refused with the holder named"] += 1
    assert not list(made.store().documents())  # nothing was written by the refused commands
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert (made.state_dir / "lock").read_text().startswith(f"pid {holder.pid}")  # left behind
    done = khabar("ingest", sources, "-P", made.root)  # and no obstacle
    assert done.returncode == 0, done.stderr
    assert len(list(made.store().documents())) == 50
    ROBUSTNESS["stale locks of killed processes taken over"] += 1


# --- Label Studio faults, on a real server of this module's own -----------------------------


class FaultyServer:
    """A local Label Studio that this module kills (SIGKILL, like a crash) and restarts."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.url = ""
        self.token = ""

    def start(self) -> None:
        running = studio.start(self.home, port=18190)
        self.url, self.token = running.url, running.token_file.read_text().strip()

    def kill(self) -> None:
        state = json.loads((self.home / "server.json").read_text())
        os.killpg(state["pid"], signal.SIGKILL)
        deadline = time.monotonic() + 30
        while studio.status(self.home) is not None and time.monotonic() < deadline:
            time.sleep(0.2)
        ROBUSTNESS["Label Studio server killed mid-command and restarted"] += 1

    def env(self) -> dict[str, str]:
        return {**os.environ, "LABEL_STUDIO_URL": self.url, "LABEL_STUDIO_API_KEY": self.token}

    def sdk(self) -> Any:
        from label_studio_sdk import LabelStudio

        return LabelStudio(base_url=self.url, api_key=self.token)  # type: ignore[no-untyped-call]


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultyServer]:
    server = FaultyServer(tmp_path_factory.mktemp("faulty") / "label-studio")
    server.start()
    yield server
    studio.stop(server.home)


def run(server: FaultyServer, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "khabar", *map(str, args)],
        capture_output=True,
        text=True,
        env=server.env(),
        timeout=900,
    )


def start(server: FaultyServer, *args: str | Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "khabar", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=server.env(),
    )


def remote_tasks(server: FaultyServer, title: str) -> list[Any]:
    client = server.sdk()
    found = [p for p in client.projects.list(title=title) if p.title == title]
    if not found:
        return []
    return list(client.tasks.list(project=found[0].id, fields="all"))


def task_count(server: FaultyServer, title: str) -> int:
    found = [p for p in server.sdk().projects.list(title=title) if p.title == title]
    return int(found[0].task_number or 0) if found else 0


def review_layers(made: Project) -> dict[str, Layer]:
    store = made.store()
    return {doc.id: layer for doc, layers in store.items() for layer in layers if layer.kind == "review"}


@pytest.mark.integration
def test_label_studio_killed_mid_push_and_mid_pull_loses_and_doubles_nothing(
    faulty: FaultyServer, tmp_path: Path
) -> None:
    made = project.init(tmp_path / "p")
    (made.root / "khabar.toml").write_text(
        (made.root / "khabar.toml").read_text() + '\n[labelstudio]\nproject = "robustness"\n'
    )
    records = [{"id": r["id"], "text": r["text"]} for r in articles(3000)]
    assert run(faulty, "ingest", write_jsonl(tmp_path / "a.jsonl", records), "-P", made.root).returncode == 0
    assert run(faulty, "preannotate", "-P", made.root).returncode == 0

    # the server dies while the push imports its batches
    pushing = start(faulty, "push", "-P", made.root)
    deadline = time.monotonic() + 300
    while pushing.poll() is None and time.monotonic() < deadline:
        if task_count(faulty, "robustness"):
            break  # the first batch is in, the others are on their way
        time.sleep(0.02)
    faulty.kill()
    out, err = pushing.communicate(timeout=300)
    no_traceback(out, err)
    assert pushing.returncode == 1 and ("error:" in err or "not pushed" in err), out + err
    faulty.start()
    again = run(faulty, "push", "-P", made.root)
    assert again.returncode == 0, again.stdout + again.stderr
    tasks = remote_tasks(faulty, "robustness")
    ids = [t.data["doc_id"] for t in tasks]
    assert sorted(ids) == sorted(r["id"] for r in records)  # every document once: no duplicate task
    ROBUSTNESS["tasks checked after a killed server (each once)"] += len(tasks)

    # annotators at work: 150 annotations, one of them hostile
    client = faulty.sdk()
    annotated = {}
    for task in tasks[:150]:
        text = task.data["text"]
        start_at = text.index(" ") + 1 if " " in text else 0
        end_at = text.find(" ", start_at) if text.find(" ", start_at) > 0 else len(text)
        made_annotation = client.annotations.create(
            id=task.id, result=[entity_region(text, start_at, end_at, "ORG")]
        )
        annotated[task.data["doc_id"]] = made_annotation.id
    hostile = client.annotations.create(
        id=tasks[150].id, result=[entity_region(tasks[150].data["text"], 0, 3, "NOT-A-LABEL")]
    )

    # the server dies while pulls run (at random points), and pulls are killed themselves
    rng = random.Random(7)
    for trial in range(3):
        pulling = start(faulty, "pull", "-P", made.root)
        time.sleep(rng.uniform(1.0, 4.0))
        if trial == 1:
            faulty.kill()
        else:
            pulling.send_signal(signal.SIGKILL)
            ROBUSTNESS["SIGKILL during `khabar pull`"] += 1
        out, err = pulling.communicate(timeout=300)
        no_traceback(out, err)
        assert_whole(made)
        if studio.status(faulty.home) is None:
            faulty.start()
    pulled = run(faulty, "pull", "-P", made.root)
    no_traceback(pulled.stdout, pulled.stderr)
    assert pulled.returncode == 1  # the hostile annotation
    assert pulled.stderr.startswith(
        f"refused: task {tasks[150].id} annotation {hostile.id} ({tasks[150].data['doc_id']}): label"
    )
    layers = review_layers(made)
    assert set(layers) == set(annotated)  # every annotation once, none lost, the hostile one out
    assert {doc_id: layer.provenance.annotation for doc_id, layer in layers.items()} == annotated
    assert all(not made.store().history(doc_id) for doc_id in annotated)  # nothing pulled twice
    ROBUSTNESS["annotations checked after faults (each once)"] += len(layers)

    # an annotation edited after the pull: a new version, the old one kept once in history
    doc_id, annotation_id = next(iter(annotated.items()))
    old = layers[doc_id]
    doc = made.store().document(doc_id)
    assert doc is not None
    region = entity_region(doc.text, old.entities[0].start, old.entities[0].end, "PER")
    faulty.sdk().annotations.update(id=annotation_id, result=[region])  # (the port may have moved)
    assert run(faulty, "pull", "-P", made.root).returncode == 1  # (the hostile one again)
    assert run(faulty, "pull", "-P", made.root).returncode == 1
    assert review_layers(made)[doc_id].entities[0].label == "PER"
    (kept,) = made.store().history(doc_id)
    assert kept.entities == old.entities

    # two pulls at once, and a pull during a release: one writer at a time, nothing doubled
    first, second = start(faulty, "pull", "-P", made.root), start(faulty, "pull", "-P", made.root)
    for out, err in [p.communicate(timeout=300) for p in (first, second)]:
        no_traceback(out, err)
        assert "busy" in err or "refused" in err, err  # busy, or done (with the hostile refusal)
    assert review_layers(made) == {**layers, doc_id: review_layers(made)[doc_id]}
    releasing = start(faulty, "release", "1.0.0", "--allow-unreviewed", "-P", made.root)
    while releasing.poll() is None and "release" not in (made.state_dir / "lock").read_text():
        time.sleep(0.01)
    assert releasing.poll() is None, "the release ended before it could be caught holding the lock"
    releasing.send_signal(signal.SIGSTOP)  # paused while it holds the lock: the pull surely comes during it
    try:
        during = run(faulty, "pull", "-P", made.root)
    finally:
        releasing.send_signal(signal.SIGCONT)
    releasing.communicate(timeout=600)
    assert releasing.returncode == 0
    assert (
        during.returncode == 1 and "the project is busy" in during.stderr and "release 1.0.0" in during.stderr
    )
    ROBUSTNESS["concurrent writers refused with the holder named"] += 1
    assert release.check(made.build_dir / "1.0.0") == []
