"""What changed between two releases: documents added, removed and changed, spans and
events added, removed, relabelled and moved, counts per label before and after, and
documents that changed split (which must never happen). The CHANGELOG of every release
is written from it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from khabar.errors import ReleaseError
from khabar.formats import hf

SPLITS = ("train", "validation", "test")


@dataclass
class Content:
    version: str
    docs: dict[str, dict[str, Any]]
    split: dict[str, str]


def load(path: Path) -> Content:
    """The documents of a release (its ``documents`` config, every split)."""
    if not (path / "documents").is_dir():
        raise ReleaseError(f"{path} is not a release (no documents/ folder)")
    docs: dict[str, dict[str, Any]] = {}
    split: dict[str, str] = {}
    for name in SPLITS:
        for row in hf.read_rows(path / "documents" / f"{name}.parquet"):
            docs[row["id"]] = row
            split[row["id"]] = name
    return Content(path.name, docs, split)


@dataclass
class Diff:
    old: str
    new: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed_text: list[str] = field(default_factory=list)
    moved_split: list[str] = field(default_factory=list)
    spans: Counter[str] = field(default_factory=Counter)  # added, removed, relabelled, moved
    events: Counter[str] = field(default_factory=Counter)  # added, removed, retyped, changed
    details: list[str] = field(default_factory=list)
    labels: dict[str, tuple[int, int]] = field(default_factory=dict)  # label -> (before, after)
    types: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (
            self.added
            or self.removed
            or self.changed_text
            or self.moved_split
            or sum(self.spans.values())
            or sum(self.events.values())
        )

    def markdown(self, limit: int = 50) -> str:
        lines = [f"## {self.new} (since {self.old})", ""]
        if self.empty:
            return "\n".join([*lines, "No change in documents or annotations.", ""])
        lines += [
            f"- documents: {len(self.added)} added, {len(self.removed)} removed, "
            f"{len(self.changed_text)} with a new text",
            "- entities: " + ", ".join(f"{n} {k}" for k, n in sorted(self.spans.items()))
            if self.spans
            else "- entities: no change",
            "- events: " + ", ".join(f"{n} {k}" for k, n in sorted(self.events.items()))
            if self.events
            else "- events: no change",
        ]
        if self.moved_split:
            lines.append(
                f"- **{len(self.moved_split)} documents changed split** (this must not happen): "
                + ", ".join(self.moved_split[:10])
            )
        changed_labels = {k: v for k, v in self.labels.items() if v[0] != v[1]}
        changed_types = {k: v for k, v in self.types.items() if v[0] != v[1]}
        if changed_labels or changed_types:
            lines += [
                "",
                "| label or type | before | after |",
                "|---|---:|---:|",
                *(
                    f"| {k} | {a} | {b} |"
                    for k, (a, b) in sorted({**changed_labels, **changed_types}.items())
                ),
            ]
        if self.added:
            lines += [
                "",
                "Added: " + ", ".join(self.added[:limit]) + (" …" if len(self.added) > limit else ""),
            ]
        if self.removed:
            lines += [
                "",
                "Removed: " + ", ".join(self.removed[:limit]) + (" …" if len(self.removed) > limit else ""),
            ]
        if self.details:
            lines += ["", "Changes in annotations:", "", *(f"- {d}" for d in self.details[:limit])]
            if len(self.details) > limit:
                lines.append(
                    f"- … and {len(self.details) - limit} more (`khabar release diff` lists them all)"
                )
        return "\n".join([*lines, ""])


def diff(old: Content, new: Content) -> Diff:
    result = Diff(old.version, new.version)
    result.added = sorted(set(new.docs) - set(old.docs))
    result.removed = sorted(set(old.docs) - set(new.docs))
    for doc_id in sorted(set(old.docs) & set(new.docs)):
        a, b = old.docs[doc_id], new.docs[doc_id]
        if old.split[doc_id] != new.split[doc_id]:
            result.moved_split.append(doc_id)
        if a["text"] != b["text"]:
            result.changed_text.append(doc_id)
            continue
        _spans(doc_id, a["entities"], b["entities"], result)
        _events(doc_id, a["events"], b["events"], result)
    result.labels = _counts(old, new, lambda d: [e["label"] for e in d["entities"]])
    result.types = _counts(old, new, lambda d: [e["type"] for e in d["events"]])
    return result


def _counts(old: Content, new: Content, pick: Any) -> dict[str, tuple[int, int]]:
    before = Counter(x for d in old.docs.values() for x in pick(d))
    after = Counter(x for d in new.docs.values() for x in pick(d))
    return {k: (before[k], after[k]) for k in sorted(set(before) | set(after))}


def _spans(doc_id: str, old: list[dict[str, Any]], new: list[dict[str, Any]], result: Diff) -> None:
    a = {(e["start"], e["end"]): e for e in old}
    b = {(e["start"], e["end"]): e for e in new}
    gone = [e for k, e in a.items() if k not in b]
    came = [e for k, e in b.items() if k not in a]
    for key in sorted(set(a) & set(b)):
        if a[key]["label"] != b[key]["label"]:
            result.spans["relabelled"] += 1
            result.details.append(
                f"{doc_id} {key[0]}:{key[1]} «{b[key]['text']}»: {a[key]['label']} -> {b[key]['label']}"
            )
    for e in list(gone):
        twin = next(
            (c for c in came if c["label"] == e["label"] and c["start"] < e["end"] and e["start"] < c["end"]),
            None,
        )
        if twin is not None:
            result.spans["moved"] += 1
            result.details.append(
                f"{doc_id} {e['label']} «{e['text']}» {e['start']}:{e['end']} -> "
                f"«{twin['text']}» {twin['start']}:{twin['end']}"
            )
            gone.remove(e)
            came.remove(twin)
    for e in gone:
        result.spans["removed"] += 1
        result.details.append(f"{doc_id} {e['start']}:{e['end']} {e['label']} «{e['text']}» removed")
    for e in came:
        result.spans["added"] += 1
        result.details.append(f"{doc_id} {e['start']}:{e['end']} {e['label']} «{e['text']}» added")


def _events(doc_id: str, old: list[dict[str, Any]], new: list[dict[str, Any]], result: Diff) -> None:
    def key(e: dict[str, Any]) -> tuple[int, int]:
        return (e["trigger"]["start"], e["trigger"]["end"])

    a = {key(e): e for e in old}
    b = {key(e): e for e in new}
    for k in sorted(set(a) | set(b)):
        x, y = a.get(k), b.get(k)
        where = f"{doc_id} {k[0]}:{k[1]}"
        if x is None and y is not None:
            result.events["added"] += 1
            result.details.append(f"{where} event {y['type']} «{y['trigger']['text']}» added")
        elif y is None and x is not None:
            result.events["removed"] += 1
            result.details.append(f"{where} event {x['type']} «{x['trigger']['text']}» removed")
        elif x is not None and y is not None and x["type"] != y["type"]:
            result.events["retyped"] += 1
            result.details.append(f"{where} event «{y['trigger']['text']}»: {x['type']} -> {y['type']}")
        elif (
            x is not None and y is not None and (x["realis"], x["arguments"]) != (y["realis"], y["arguments"])
        ):
            result.events["changed"] += 1
            result.details.append(
                f"{where} event {y['type']} «{y['trigger']['text']}»: realis or arguments changed"
            )
