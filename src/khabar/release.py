"""Releases: validated, immutable folders of CoNLL-U, parquet, a dataset card and a manifest.

    build/<version>/
        README.md                    dataset card (YAML configs + features, counts)
        conllu/<split>.conllu
        ner|documents|events/<split>.parquet
        manifest.json                sha256 of every file, counts, tool and scheme

A document's split comes from a hash of its id, so it never changes between releases.
A release is written to a hidden folder and renamed into place when complete: a
half-written release is never visible, and an existing version is never touched.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from khabar import __version__, card, hf
from khabar.conllu_format import to_conllu
from khabar.errors import ReleaseError
from khabar.interchange import to_record
from khabar.model import Document, Layer, best_layer
from khabar.scheme import Scheme
from khabar.store import atomic_write
from khabar.validate import validate
from khabar.words import segment

VERSION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
SPLITS = ("train", "validation", "test")


def split_of(doc_id: str, percentages: dict[str, int]) -> str:
    """The split of a document: a hash of its id into 100 buckets, cut by percentages."""
    bucket = int(hashlib.sha256(doc_id.encode("utf-8")).hexdigest()[:8], 16) % 100
    cumulative = 0
    for split in SPLITS:
        cumulative += percentages.get(split, 0)
        if bucket < cumulative:
            return split
    return SPLITS[-1]


@dataclass(frozen=True, slots=True)
class ReleaseInfo:
    name: str
    version: str
    license: str
    language: str = "ar"
    description: str = ""


@dataclass
class SplitStats:
    documents: int = 0
    sentences: int = 0
    tokens: int = 0
    entities: Counter[str] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)
    layers: Counter[str] = field(default_factory=Counter)

    def counts(self) -> dict[str, int]:
        return {
            "documents": self.documents,
            "sentences": self.sentences,
            "tokens": self.tokens,
            "entities": sum(self.entities.values()),
            "events": sum(self.events.values()),
        }


@dataclass
class Release:
    path: Path
    info: ReleaseInfo
    stats: dict[str, SplitStats]
    files: dict[str, str]
    unreviewed: int


def check_version(version: str) -> str:
    if not VERSION.fullmatch(version):
        raise ReleaseError(
            f"version {version!r} is not allowed",
            hint="use letters, digits, '.', '_' and '-', for example 1.0.0 or 2026.11",
        )
    return version


def build(
    items: Callable[[], Iterable[tuple[Document, list[Layer]]]],
    scheme: Scheme,
    out: Path,
    info: ReleaseInfo,
    *,
    percentages: dict[str, int],
    allow_unreviewed: bool = False,
    corpus_commit: str | None = None,
) -> Release:
    """Validate the corpus and write the release ``info.version`` into ``out``.

    ``items`` is called twice (validation, then writing) so the corpus is streamed.
    """
    check_version(info.version)
    target = out / info.version
    if target.exists():
        raise ReleaseError(
            f"release {info.version} already exists at {target}",
            hint="releases never change once cut; choose a new version",
        )
    report = validate(items(), scheme)
    if not report.ok:
        first = report.errors[0]
        raise ReleaseError(
            f"the corpus does not validate: {len(report.errors)} errors, the first: {first}",
            hint="run `khabar validate` for the full list",
        )

    rows: dict[str, dict[str, list[dict[str, Any]]]] = {c: {s: [] for s in SPLITS} for c in hf.CONFIGS}
    conllu: dict[str, list[str]] = {s: [] for s in SPLITS}
    stats = {s: SplitStats() for s in SPLITS}
    unreviewed: list[str] = []
    for doc, layers in sorted(items(), key=lambda item: item[0].id):
        layer = best_layer(layers)
        if layer is None or layer.kind == "pre":
            unreviewed.append(doc.id)
        split = split_of(doc.id, percentages)
        sentences = segment(doc, layer)
        rows["ner"][split].extend(hf.ner_rows(doc, sentences, scheme))
        rows["documents"][split].append(hf.document_row(doc, layer, to_record(doc, layer)))
        rows["events"][split].extend(hf.event_rows(doc, layer, sentences, scheme))
        conllu[split].extend(to_conllu([(doc, layer)]))
        _count(stats[split], sentences, layer)
    if unreviewed and not allow_unreviewed:
        raise ReleaseError(
            f"{len(unreviewed)} documents have no reviewed layer (the first: {unreviewed[0]})",
            hint="review them in Label Studio, or pass --allow-unreviewed (the card will say so)",
        )

    out.mkdir(parents=True, exist_ok=True)
    staging = out / f".{info.version}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        feats = hf.features(scheme)
        present: dict[str, dict[str, tuple[int, int]]] = {}
        for split in SPLITS:
            if not stats[split].documents:
                continue  # datasets cannot load a split without rows
            for config in hf.CONFIGS:
                if rows[config][split]:
                    path = staging / config / f"{split}.parquet"
                    present.setdefault(config, {})[split] = hf.write_parquet(
                        rows[config][split], feats[config], path
                    )
            atomic_write(staging / "conllu" / f"{split}.conllu", "".join(conllu[split]))
        atomic_write(
            staging / "README.md",
            card.render(info, scheme, stats, present, feats, unreviewed=len(unreviewed)),
        )
        files = {str(p.relative_to(staging)): _sha256(p) for p in sorted(staging.rglob("*")) if p.is_file()}
        manifest = {
            "name": info.name,
            "version": info.version,
            "tool": f"khabar {__version__}",
            "scheme": {"name": scheme.name, "version": scheme.version, "sha256": scheme.sha256},
            "corpus_commit": corpus_commit,
            "unreviewed_documents": len(unreviewed),
            "counts": {s: stats[s].counts() for s in SPLITS if stats[s].documents},
            "files": files,
        }
        atomic_write(staging / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
        os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Release(target, info, stats, files, len(unreviewed))


def _count(stats: SplitStats, sentences: list[Any], layer: Layer | None) -> None:
    stats.documents += 1
    stats.sentences += len(sentences)
    stats.tokens += sum(len(s.words) for s in sentences)
    if layer is not None:
        stats.layers[layer.kind] += 1
        stats.entities.update(s.label for s in layer.entities)
        stats.events.update(e.type for e in layer.events)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check(path: Path) -> list[str]:
    """Problems of a release folder against its manifest (empty when it is intact)."""
    manifest_path = path / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise ReleaseError(f"{manifest_path}: cannot read the manifest ({err})") from err
    problems = []
    listed = manifest.get("files", {})
    for name, digest in sorted(listed.items()):
        file = (path / name).resolve()
        if path.resolve() not in file.parents:
            problems.append(f"{name}: the manifest points outside the release")
        elif not file.is_file():
            problems.append(f"{name}: listed in the manifest but missing")
        elif _sha256(file) != digest:
            problems.append(f"{name}: sha256 differs from the manifest (the file was changed)")
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        name = str(file.relative_to(path))
        if name != "manifest.json" and name not in listed:
            problems.append(f"{name}: not listed in the manifest")
    return problems
