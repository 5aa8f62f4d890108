"""Checking a release: its files against its manifest (sha256), then its content."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from khabar.corpus.splits import SPLITS, split_of
from khabar.errors import InputError, ReleaseError
from khabar.formats import hf
from khabar.formats.conllu_format import read_spans


def sha256_file(path: Path) -> str:
    """The digest of a file as a manifest lists it."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check(path: Path) -> list[str]:
    """Problems of a release folder: against its manifest (every file present, unchanged,
    listed), then its content: the CoNLL-U reads and aligns with the documents' texts,
    every span points at its text, every document is in the split its id gives, once,
    and the counts are the manifest's."""
    manifest_path = path / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise ReleaseError(f"{manifest_path}: cannot read the manifest ({err})") from err
    listed = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(listed, dict) or not all(
        isinstance(name, str) and isinstance(digest, str) for name, digest in listed.items()
    ):
        raise ReleaseError(
            f"{manifest_path}: not a khabar manifest (its 'files' must map file names to sha256)",
            hint="`khabar release` writes one with every release",
        )
    problems = []
    for name, digest in sorted(listed.items()):
        file = (path / name).resolve()
        if path.resolve() not in file.parents:
            problems.append(f"{name}: the manifest points outside the release")
        elif not file.is_file():
            problems.append(f"{name}: listed in the manifest but missing")
        elif sha256_file(file) != digest:
            problems.append(f"{name}: sha256 differs from the manifest (the file was changed)")
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        name = str(file.relative_to(path))
        if name.startswith(".git"):
            continue  # a clone of a published release: git's own files
        if name != "manifest.json" and name not in listed:
            problems.append(f"{name}: not listed in the manifest")
    if problems:
        return problems  # the content of a tampered release is not worth reading
    return _check_content(path, manifest)


def _check_content(path: Path, manifest: dict[str, Any]) -> list[str]:
    problems = []
    percentages = manifest.get("splits") or {"train": 80, "validation": 10, "test": 10}
    if not (
        isinstance(percentages, dict)
        and set(percentages) <= set(SPLITS)
        and all(isinstance(v, int) and 0 <= v <= 100 for v in percentages.values())
        and sum(percentages.values()) == 100
    ):
        return [f"manifest.json: splits {percentages!r} are not percentages of {', '.join(SPLITS)}"]
    counts = manifest.get("counts")
    if not isinstance(counts, dict) or not all(isinstance(c, dict) for c in counts.values()):
        return ["manifest.json: counts must map each split to its counts"]
    seen: dict[str, str] = {}
    for split in SPLITS:
        try:
            docs = hf.read_rows(path / "documents" / f"{split}.parquet")
            _check_rows(docs)
        except InputError as err:
            problems.append(f"documents/{split}.parquet: {err.message}")
            continue
        counted = counts.get(split, {}).get("documents", 0)
        if len(docs) != counted:
            problems.append(f"documents/{split}.parquet: {len(docs)} documents, the manifest says {counted}")
        texts = {}
        for doc in docs:
            doc_id = doc["id"]
            texts[doc_id] = doc["text"]
            if doc_id in seen:
                problems.append(f"{doc_id}: in both {seen[doc_id]} and {split}")
            seen[doc_id] = split
            if split_of(doc_id, percentages) != split:
                problems.append(
                    f"{doc_id}: in {split}, but its id puts it in {split_of(doc_id, percentages)}"
                )
            for span in (*doc["entities"], *(e["trigger"] for e in doc["events"])):
                if doc["text"][span["start"] : span["end"]] != span["text"]:
                    problems.append(
                        f"{doc_id} {span['start']}:{span['end']}: span text {span['text']!r} "
                        "is not the document's text there"
                    )
        conllu_file = path / "conllu" / f"{split}.conllu"
        if conllu_file.exists():
            try:
                read = read_spans(conllu_file.read_text(encoding="utf-8"), texts)
            except UnicodeDecodeError as err:
                problems.append(f"conllu/{split}.conllu: not UTF-8 ({err.reason} at byte {err.start})")
                continue
            except InputError as err:
                problems.append(f"conllu/{split}.conllu: {err.message}")
                continue
            by_id = {doc["id"]: doc for doc in docs}
            for entry in read:
                expected = [(e["start"], e["end"], e.get("label")) for e in by_id[entry.id]["entities"]]
                if [(s.start, s.end, s.label) for s in entry.entities] != expected:
                    problems.append(
                        f"conllu/{split}.conllu: {entry.id}: entity tags differ from the documents"
                    )
    return problems


ROW_KEYS = {"id": str, "text": str, "entities": list, "events": list}


def _check_rows(rows: list[dict[str, Any]]) -> None:
    """The documents config's columns, with the types a check reads (a crafted release
    could hold any parquet at all)."""
    for row in rows:
        for key, kind in ROW_KEYS.items():
            if not isinstance(row.get(key), kind):
                raise InputError(f"a row's {key!r} is not a {kind.__name__}: not a documents table")
        events = row["events"]
        if not all(isinstance(e, dict) and isinstance(e.get("trigger"), dict) for e in events):
            raise InputError(f"{row['id']}: an event without a trigger")
        for span in (*row["entities"], *(e["trigger"] for e in events)):
            if not (
                isinstance(span, dict)
                and isinstance(span.get("start"), int)
                and isinstance(span.get("end"), int)
                and isinstance(span.get("text"), str)
                and isinstance(span.get("label", ""), str)
            ):
                raise InputError(f"{row['id']}: a span without integer start and end, a text and a label")
