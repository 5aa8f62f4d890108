from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import datasets
import pytest

from khabar.annotate.drafting import preannotate_corpus
from khabar.corpus.model import Event, Span
from khabar.corpus.project import Project
from khabar.corpus.splits import split_of
from khabar.errors import ReleaseError
from khabar.formats.conllu_format import read_spans
from khabar.formats.ingest import ingest_paths
from khabar.formats.interchange import export_jsonl
from khabar.quality import results as units
from khabar.quality.results import validate_corpus
from khabar.release import diff
from khabar.release.check import check
from khabar.release.cut import release_corpus
from khabar.release.publish import publish
from khabar.runtime.cache import package_digest
from tests.helpers import ROOT, Record, udvalidate, write_jsonl

PERCENT = {"train": 80, "validation": 10, "test": 10}


@pytest.fixture
def paragraphs_project(new_project: Callable[..., Project], paragraph_records: list[Record]) -> Project:
    return new_project(paragraph_records)


def test_splits_come_from_a_hash_of_the_id_and_cover_the_percentages() -> None:
    counts = {"train": 0, "validation": 0, "test": 0}
    for i in range(20_000):
        counts[split_of(f"doc-{i}", PERCENT)] += 1
    assert 15_600 < counts["train"] < 16_400 and 1_800 < counts["test"] < 2_200
    assert split_of("seed-0001", PERCENT) == split_of("seed-0001", PERCENT)


def test_release_loads_with_datasets_in_three_splits(
    paragraphs_project: Project, paragraph_records: list[Record]
) -> None:
    made = release_corpus(paragraphs_project, "1.0.0", allow_dirty=True)
    ner = datasets.load_dataset(str(made.path), "ner")
    assert set(ner) == {"train", "validation", "test"}
    assert ner["train"].features["ner_tags"].feature.names[:3] == ["O", "B-PER", "I-PER"]
    docs = datasets.load_dataset(str(made.path), "documents")
    rows = {r["id"]: r for split in docs.values() for r in split}
    assert len(rows) == len(paragraph_records)
    for record in paragraph_records:
        row = rows[record["id"]]
        assert row["text"] == record["text"]
        assert [(e["start"], e["end"], e["label"], e["text"]) for e in row["entities"]] == [
            (e["start"], e["end"], e["label"], e["text"]) for e in record["entities"]
        ]
        assert [e["type"] for e in row["events"]] == [e["type"] for e in record["events"]]
        assert row["layer"] == "gold"
    events = datasets.load_dataset(str(made.path), "events")
    assert sum(len(s) for s in events.values()) == sum(len(r["events"]) for r in paragraph_records)
    for split, dataset in ner.items():
        for row in dataset:
            assert split_of(row["doc_id"], PERCENT) == split


def test_ner_tags_match_the_gold_spans(paragraphs_project: Project, paragraph_records: list[Record]) -> None:
    made = release_corpus(paragraphs_project, "1.0.0", allow_dirty=True)
    texts = {r["id"]: r["text"] for r in paragraph_records}
    gold = {r["id"]: [(e["start"], e["end"], e["label"]) for e in r["entities"]] for r in paragraph_records}
    for file in (made.path / "conllu").glob("*.conllu"):
        for doc in read_spans(file.read_text(encoding="utf-8"), texts):
            assert [(s.start, s.end, s.label) for s in doc.entities] == gold[doc.id]


def test_release_conllu_passes_the_ud_validator(paragraphs_project: Project) -> None:
    made = release_corpus(paragraphs_project, "1.0.0", allow_dirty=True)
    files = sorted(str(p) for p in (made.path / "conllu").glob("*.conllu"))
    assert len(files) == 3
    result = udvalidate(*files)
    assert result.returncode == 0, result.stdout + result.stderr


def test_two_builds_of_the_same_corpus_are_byte_identical(
    paragraphs_project: Project, tmp_path: Path
) -> None:
    a = release_corpus(paragraphs_project, "1.0.0", out=tmp_path / "a", allow_dirty=True)
    b = release_corpus(paragraphs_project, "1.0.0", out=tmp_path / "b", allow_dirty=True)
    files_a = {p.relative_to(a.path): p.read_bytes() for p in a.path.rglob("*") if p.is_file()}
    files_b = {p.relative_to(b.path): p.read_bytes() for p in b.path.rglob("*") if p.is_file()}
    assert files_a == files_b


def test_manifest_lists_every_file_with_its_sha256_and_the_counts(paragraphs_project: Project) -> None:
    made = release_corpus(paragraphs_project, "1.0.0", allow_dirty=True)
    manifest = json.loads((made.path / "manifest.json").read_text())
    listed = set(manifest["files"])
    on_disk = {str(p.relative_to(made.path)) for p in made.path.rglob("*") if p.is_file()} - {"manifest.json"}
    assert listed == on_disk
    assert sum(c["documents"] for c in manifest["counts"].values()) == 10
    assert manifest["scheme"]["sha256"] == paragraphs_project.scheme().sha256
    assert check(made.path) == []


def test_check_fails_on_a_tampered_release(paragraphs_project: Project) -> None:
    made = release_corpus(paragraphs_project, "1.0.0", allow_dirty=True)
    card = made.path / "README.md"
    card.write_text(card.read_text() + "\nedited\n")
    (made.path / "extra.txt").write_text("x")
    assert check(made.path) == [
        "README.md: sha256 differs from the manifest (the file was changed)",
        "extra.txt: not listed in the manifest",
    ]


def test_an_existing_version_is_never_overwritten(paragraphs_project: Project) -> None:
    made = release_corpus(paragraphs_project, "1.0.0", allow_dirty=True)
    before = (made.path / "manifest.json").read_bytes()
    with pytest.raises(ReleaseError, match=r"release 1\.0\.0 already exists"):
        release_corpus(paragraphs_project, "1.0.0", allow_dirty=True)
    assert (made.path / "manifest.json").read_bytes() == before


def test_an_invalid_corpus_is_not_released(paragraphs_project: Project) -> None:
    shard = next(paragraphs_project.annotations_dir.glob("*.jsonl"))
    shard.write_text(shard.read_text().replace('"label":"GPE"', '"label":"COUNTRY"', 1))
    with pytest.raises(ReleaseError, match=r"does not validate: 3 errors.*COUNTRY"):
        release_corpus(paragraphs_project, "1.0.0", allow_dirty=True)
    assert not (paragraphs_project.build_dir / "1.0.0").exists()
    assert not list(paragraphs_project.build_dir.glob(".*"))


def test_drafts_are_released_only_when_allowed_and_the_card_says_so(
    new_project: Callable[..., Project], paragraph_records: list[Record]
) -> None:
    made = new_project([{"id": r["id"], "text": r["text"]} for r in paragraph_records])
    preannotate_corpus(made)
    with pytest.raises(ReleaseError, match="10 documents have no reviewed layer"):
        release_corpus(made, "0.1.0", allow_dirty=True)
    release = release_corpus(made, "0.1.0", allow_dirty=True, allow_unreviewed=True)
    assert "10 documents were released without human review" in (release.path / "README.md").read_text()


def test_a_bad_version_name_is_refused(paragraphs_project: Project) -> None:
    with pytest.raises(ReleaseError, match=r"version '\.\./x' is not allowed"):
        release_corpus(paragraphs_project, "../x", allow_dirty=True)


def test_a_dirty_git_corpus_needs_allow_dirty(paragraphs_project: Project) -> None:
    root = paragraphs_project.root
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", "commit", "-qm", "corpus"], cwd=root, check=True, env=env)
    clean = release_corpus(paragraphs_project, "1.0.0")
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True
    ).stdout.strip()
    assert json.loads((clean.path / "manifest.json").read_text())["corpus_commit"] == head
    shard = next(paragraphs_project.corpus_dir.glob("*.jsonl"))
    shard.write_text(shard.read_text() + "\n")
    with pytest.raises(ReleaseError, match="uncommitted changes"):
        release_corpus(paragraphs_project, "1.0.1")


def test_export_writes_the_interchange_format(
    paragraphs_project: Project, paragraph_records: list[Record], tmp_path: Path
) -> None:
    out = tmp_path / "out.jsonl"
    assert export_jsonl(paragraphs_project, out, "gold") == 10
    exported = {r["id"]: r for r in map(json.loads, out.read_text().splitlines())}
    assert all(exported[r["id"]] == r for r in paragraph_records)


def test_the_card_has_numbers_charts_scheme_citation_and_metadata(paragraphs_project: Project) -> None:
    made = release_corpus(paragraphs_project, "1.0.0", allow_dirty=True)
    card = (made.path / "README.md").read_text(encoding="utf-8")
    for heading in (
        "## Numbers",
        "### Entities per label",
        "### Events per type",
        "## Annotation",
        "### Entity labels",
        "### Event types (PLOVER)",
        "## License",
        "## Citation",
        "=== Machine-readable metadata",
    ):
        assert heading in card
    assert "![entities](figures/entities.png)" in card and "![events](figures/events.png)" in card
    assert (made.path / "figures" / "entities.png").read_bytes().startswith(b"\x89PNG")
    assert "| total | 10 |" in card
    assert "`ner_tags` (IOB2, a ClassLabel sequence)" in card


def test_a_grown_corpus_keeps_its_splits_and_the_changelog_lists_what_changed(
    paragraphs_project: Project, paragraph_records: list[Record], tmp_path: Path
) -> None:
    first = release_corpus(paragraphs_project, "1.0.0", allow_dirty=True)
    assert "The first release." in (first.path / "CHANGELOG.md").read_text()
    # plant: two new documents, one removed entity, one relabelled, one moved, one new event
    extra = [
        {"id": f"extra-{i}", "text": f"خبر جديد رقم {i} عن روسيا.", "entities": [], "events": []}
        for i in range(2)
    ]
    ingest_paths(paragraphs_project, [write_jsonl(tmp_path / "extra.jsonl", extra)])
    store = paragraphs_project.store()
    doc_id = "seed-0001-p01"
    gold = next(x for x in store.layers(doc_id) if x.kind == "gold")
    text = store.document(doc_id).text  # type: ignore[union-attr]
    # none of the three is an event argument
    removed, relabelled, moved = (
        next(e for e in gold.entities if e.text == t) for t in ("الأمريكي", "الروسي", "ساعة تقريبا")
    )
    entities = [
        dataclasses.replace(relabelled, label="ORG")
        if e is relabelled
        else dataclasses.replace(e, start=e.start + 1, text=text[e.start + 1 : e.end])
        if e is moved
        else e
        for e in gold.entities
        if e is not removed
    ]
    trigger = Span(0, 6, "AGREE", text[0:6])
    store.put_layers(
        [dataclasses.replace(gold, entities=tuple(entities), events=(*gold.events, Event(trigger, "actual")))]
    )
    second = release_corpus(paragraphs_project, "1.1.0", allow_dirty=True)
    old, new = diff.load(first.path), diff.load(second.path)
    assert all(new.split[d] == old.split[d] for d in old.docs)
    result = diff.diff(old, new)
    assert result.added == ["extra-0", "extra-1"] and not result.removed and not result.moved_split
    assert dict(result.spans) == {"removed": 1, "relabelled": 1, "moved": 1}
    assert dict(result.events) == {"added": 1}
    assert result.labels["ORG"][1] == result.labels["ORG"][0] + 1
    changelog = (second.path / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.startswith("# Changelog\n\n## 1.1.0 (since 1.0.0)")
    assert "2 added, 0 removed" in changelog and "## 1.0.0" in changelog
    assert (
        f"{doc_id} {relabelled.start}:{relabelled.end} «{relabelled.text}»: {relabelled.label} -> ORG"
        in changelog
    )


def test_release_check_reads_the_content_not_only_the_checksums(paragraphs_project: Project) -> None:
    made = release_corpus(paragraphs_project, "1.0.0", allow_dirty=True)
    conllu = made.path / "conllu" / "train.conllu"
    conllu.write_text(
        conllu.read_text(encoding="utf-8").replace("NER=B-GPE", "NER=B-LOC", 1), encoding="utf-8"
    )
    manifest_path = made.path / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["files"]["conllu/train.conllu"] = hashlib.sha256(conllu.read_bytes()).hexdigest()
    manifest_path.write_text(json.dumps(manifest))  # a tamperer who also updated the manifest
    problems = check(made.path)
    assert problems and "entity tags differ from the documents" in problems[0]


def test_a_published_release_loads_at_its_tag(paragraphs_project: Project, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(remote)], check=True)
    first = release_corpus(paragraphs_project, "1.0.0", allow_dirty=True)
    publish(first.path, str(remote))
    store = paragraphs_project.store()
    gold = next(x for x in store.layers("seed-0001-p01") if x.kind == "gold")
    store.put_layers([dataclasses.replace(gold, entities=gold.entities[1:])])
    second = release_corpus(paragraphs_project, "1.1.0", allow_dirty=True)
    publish(second.path, str(remote))
    with pytest.raises(ReleaseError, match=r"already has version 1\.0\.0"):
        publish(first.path, str(remote))
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "--quiet", "--branch", "1.0.0", str(remote), str(clone)],
        check=True,
        capture_output=True,
    )
    docs = datasets.load_dataset(str(clone), "documents")
    by_id = {r["id"]: r for split in docs.values() for r in split}
    assert len(by_id["seed-0001-p01"]["entities"]) == len(gold.entities)  # the first release, not the second
    assert check(clone) == []


def test_a_tampered_release_is_not_published(paragraphs_project: Project, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(remote)], check=True)
    made = release_corpus(paragraphs_project, "1.0.0", allow_dirty=True)
    (made.path / "README.md").write_text("edited")
    with pytest.raises(ReleaseError, match="fails its check"):
        publish(made.path, str(remote))


def test_validation_warnings_are_grouped_and_do_not_block(
    new_project: Callable[..., Project], paragraph_records: list[Record]
) -> None:
    near = {
        **paragraph_records[0],
        "id": "near-copy",
        "entities": [],
        "events": [],
        "text": paragraph_records[0]["text"].replace("أوكرانيا", "سوريا", 1),
    }
    made = new_project([*paragraph_records, near])
    report = validate_corpus(made)
    assert report.ok and report.counts().get("near-duplicate") == 2
    assert any(line.startswith("warning near-duplicate: 2 (near-copy") for line in report.grouped())
    release_corpus(made, "1.0.0", allow_dirty=True)


def units_computed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many documents each call of ``units.compute`` gets from now on."""
    computed: list[int] = []
    real = units.compute

    def counting(pairs: list[Any], scheme: Any) -> Any:
        computed.append(len(pairs))
        return real(pairs, scheme)

    monkeypatch.setattr(units, "compute", counting)
    return computed


def test_a_re_release_only_processes_what_changed(
    paragraphs_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    release_corpus(paragraphs_project, "1.0.0", allow_dirty=True)
    computed = units_computed(monkeypatch)
    store = paragraphs_project.store()
    gold = next(x for x in store.layers("seed-0001-p03") if x.kind == "gold")
    store.put_layers([dataclasses.replace(gold, entities=gold.entities[1:])])
    release_corpus(paragraphs_project, "1.0.1", allow_dirty=True)
    assert computed == [1]


def test_units_made_by_other_code_are_not_read(
    paragraphs_project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """khabar from git keeps its version while its checks change: the code's hash is in the key."""
    release_corpus(paragraphs_project, "1.0.0", allow_dirty=True)
    computed = units_computed(monkeypatch)
    monkeypatch.setattr(units, "code_version", lambda: "0.1.0/changed")
    release_corpus(paragraphs_project, "1.0.1", allow_dirty=True)
    assert sum(computed) == sum(1 for _ in paragraphs_project.store().items())


def test_the_code_hash_covers_every_module_and_nothing_else(tmp_path: Path) -> None:
    package = tmp_path / "khabar"
    shutil.copytree(ROOT / "src" / "khabar", package, ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    before = package_digest(package=package)
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "units.cpython-311.pyc").write_bytes(b"compiled")
    (package / "notes.txt").write_text("not code", encoding="utf-8")
    assert package_digest(package=package) == before
    for module in sorted(package.glob("*.py")):
        original = module.read_bytes()
        module.write_bytes(original + b"\n")
        assert package_digest(package=package) != before, module.name
        module.write_bytes(original)
