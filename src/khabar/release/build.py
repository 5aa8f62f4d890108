"""Cutting a release: a validated, immutable folder of CoNLL-U, parquet, a card and a manifest.

    build/<version>/
        README.md                    dataset card (YAML configs + features, numbers, charts)
        CHANGELOG.md                 what changed since the previous release
        figures/*.png                entity and event distributions
        conllu/<split>.conllu
        ner|documents|events/<split>.parquet
        manifest.json                sha256 of every file, counts, tool, scheme, corpus commit

A document's split comes from a hash of its id, so it never changes between releases.
A release is written to a hidden folder and renamed into place when complete: a
half-written release is never visible, and an existing version is never touched. Work
per document is cached by content (``khabar.quality.results``): a re-release after a few
changes only processes those documents.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from khabar import __version__
from khabar.corpus.atomic import atomic_write
from khabar.corpus.scheme import Scheme
from khabar.corpus.splits import SPLITS, VERSION, split_of
from khabar.corpus.store import Store
from khabar.errors import ReleaseError
from khabar.formats import hf
from khabar.quality.results import collect, report
from khabar.release import card
from khabar.release.check import sha256_file
from khabar.runtime.cache import UnitCache
from khabar.runtime.executor import Engine, few_collections

FLUSH = 2000  # rows buffered per parquet file before they are written


@dataclass(frozen=True, slots=True)
class ReleaseInfo:
    name: str
    version: str
    license: str
    language: str = "ar"
    description: str = ""
    citation: str = ""
    contact: str = ""


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

    def add(self, summary: dict[str, Any]) -> None:
        self.documents += 1
        self.sentences += summary["sentences"]
        self.tokens += summary["tokens"]
        if summary["layer"]:
            self.layers[summary["layer"]] += 1
        self.entities.update(summary["entities"])
        self.events.update(summary["events"])


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
    store: Store,
    scheme: Scheme,
    out: Path,
    info: ReleaseInfo,
    *,
    percentages: dict[str, int],
    allow_unreviewed: bool = False,
    corpus_commit: str | None = None,
    cache: UnitCache | None = None,
    changelog: Callable[[Path], str] | None = None,
    extra_card: Callable[[list[dict[str, Any]]], str] | None = None,
    engine: Engine | None = None,
) -> Release:
    """Validate the corpus and write the release ``info.version`` into ``out``.

    ``changelog(staging)`` makes the CHANGELOG of the new release from its files;
    ``extra_card(summaries)`` adds to the card (agreement figures, for instance).
    """
    check_version(info.version)
    target = out / info.version
    if target.exists():
        raise ReleaseError(
            f"release {info.version} already exists at {target}",
            hint="releases never change once cut; choose a new version",
        )
    cache = cache or UnitCache()
    keyed = collect(store, scheme, cache, description="Validating", engine=engine)
    checked = report([summary for _, summary in keyed])
    if not checked.ok:
        raise ReleaseError(
            f"the corpus does not validate: {len(checked.errors)} errors, the first: {checked.errors[0]}",
            hint="run `khabar validate` for the full list",
        )
    unreviewed = [s["doc_id"] for _, s in keyed if s["layer"] in (None, "pre")]
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
        split_stats, present = _write_data(staging, keyed, cache, scheme, percentages)
        figures = card.figures(staging / "figures", scheme, split_stats)
        atomic_write(
            staging / "README.md",
            card.render(
                info,
                scheme,
                split_stats,
                present,
                hf.features(scheme),
                unreviewed=len(unreviewed),
                figures=figures,
                extra=extra_card([s for _, s in keyed]) if extra_card else "",
                warnings=checked.grouped(),
            ),
        )
        if changelog is not None:
            atomic_write(staging / "CHANGELOG.md", changelog(staging))
        files = {
            str(p.relative_to(staging)): sha256_file(p) for p in sorted(staging.rglob("*")) if p.is_file()
        }
        manifest = {
            "name": info.name,
            "version": info.version,
            "tool": f"khabar {__version__}",
            "scheme": {"name": scheme.name, "version": scheme.version, "sha256": scheme.sha256},
            "corpus_commit": corpus_commit,
            "splits": percentages,
            "unreviewed_documents": len(unreviewed),
            "counts": {s: split_stats[s].counts() for s in SPLITS if split_stats[s].documents},
            "files": files,
        }
        atomic_write(staging / "manifest.json", json.dumps(manifest, ensure_ascii=False, indent=1) + "\n")
        os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Release(target, info, split_stats, files, len(unreviewed))


def _write_data(
    staging: Path,
    keyed: list[tuple[str, dict[str, Any]]],
    cache: UnitCache,
    scheme: Scheme,
    percentages: dict[str, int],
) -> tuple[dict[str, SplitStats], dict[str, dict[str, tuple[int, int]]]]:
    """Stream every document's rows into CoNLL-U and parquet files, split by split.

    Returns the counts per split, and per config the (rows, bytes) of each split written."""
    stats = {s: SplitStats() for s in SPLITS}
    feats = hf.features(scheme)
    sinks: dict[tuple[str, str], hf.ParquetSink] = {}
    conllu: dict[str, Any] = {}
    try:
        with few_collections():  # the rows of a document are freed as it is written
            for key, summary in keyed:
                split = split_of(summary["doc_id"], percentages)
                payload = cache.payload(key)
                if payload is None:
                    raise ReleaseError(
                        f"{summary['doc_id']}: its cached rows are gone", hint="run the release again"
                    )
                stats[split].add(summary)
                if split not in conllu:
                    (staging / "conllu").mkdir(exist_ok=True)
                    conllu[split] = (staging / "conllu" / f"{split}.conllu").open("w", encoding="utf-8")
                conllu[split].write(payload["conllu"])
                for config in hf.CONFIGS:
                    if payload[config]:
                        sink = sinks.get((config, split))
                        if sink is None:
                            sink = sinks[(config, split)] = hf.ParquetSink(
                                staging / config / f"{split}.parquet", feats[config], FLUSH
                            )
                        sink.add(payload[config])
    finally:
        for handle in conllu.values():
            handle.close()
        files: dict[str, dict[str, tuple[int, int]]] = {}
        for (config, split), sink in sorted(sinks.items()):
            files.setdefault(config, {})[split] = sink.close()
    ordered = {c: dict(sorted(v.items(), key=lambda kv: SPLITS.index(kv[0]))) for c, v in files.items()}
    return stats, ordered


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """Natural order of versions: 1.10.0 after 1.9.2."""
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"[._-]", version))


def latest(out: Path, *, before: str | None = None) -> Path | None:
    """The newest release in ``out`` (by version), ignoring build snapshots."""
    found = (
        [
            p
            for p in out.iterdir()
            if (p / "manifest.json").is_file() and not p.name.startswith(("snapshot-", "."))
        ]
        if out.is_dir()
        else []
    )
    if before is not None:
        found = [p for p in found if version_key(p.name) < version_key(before)]
    return max(found, key=lambda p: version_key(p.name), default=None)
