"""Validation: the corpus tables checked with pandera against rules derived from the scheme.

Every violation names a document, a layer, offsets and a rule, with a hint. Rules with
severity "warning" are reported but do not fail a run. This is the only module that
imports pandera.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
from numpy.typing import NDArray

from khabar.corpus.model import Document, Layer
from khabar.corpus.scheme import Scheme
from khabar.formats.interchange import ID
from khabar.quality.tables import Tables, build
from khabar.text.analysis import SPAN_EDGE


@dataclass(frozen=True, slots=True)
class Rule:
    severity: str
    message: str  # formatted with the failing row
    hint: str


RULES: dict[str, Rule] = {
    "id-format": Rule(
        "error",
        "document id {doc_id!r} is not allowed",
        "ids use A-Z a-z 0-9 . _ - and start with a letter or digit",
    ),
    "unique-id": Rule(
        "error", "document id {doc_id!r} occurs more than once", "give each article its own id"
    ),
    "canonical-text": Rule(
        "error",
        "the text is not canonical (NFC, \\n newlines, no surrounding space)",
        "texts are fixed at ingest; restore the corpus file from git",
    ),
    "duplicate-text": Rule(
        "error",
        "the same text is also stored under another id",
        "keep one copy: ingest refuses these, so the corpus file was edited",
    ),
    "near-duplicate": Rule(
        "warning",
        "the text is nearly the same as document {near!r}",
        "the same article ingested twice with small edits? keep one",
    ),
    "invisible-chars": Rule(
        "warning",
        "the text holds {invisible} bidi or zero-width characters",
        "they are invisible to annotators; clean the source and re-ingest with --replace",
    ),
    "text-drift": Rule(
        "error",
        "layer made on another text (sha256 differs)",
        "the document text changed after annotation: re-run preannotate or review it again",
    ),
    "offsets": Rule(
        "error",
        "offsets {start}:{end} are outside the text or empty",
        "offsets are Python str indices into the canonical text, end exclusive",
    ),
    "span-text": Rule(
        "error",
        "span text {text!r} but the document has {surface!r} at {start}:{end}",
        "the offsets moved: fix the span or its text",
    ),
    "span-edge": Rule(
        "error",
        "span {text!r} starts or ends with space, punctuation or a quote",
        "a span covers the name only (schemas/guidelines.md rule 1)",
    ),
    "label": Rule("error", "label {label!r} is not in the scheme", ""),
    "overlap": Rule(
        "error",
        "{label} span {start}:{end} overlaps the span before it",
        "entities are flat: keep the longest name (schemas/guidelines.md)",
    ),
    "cross-sentence": Rule(
        "error", "span {start}:{end} crosses a sentence boundary", "a span lies inside one sentence"
    ),
    "event-type": Rule("error", "event type {type!r} is not in the scheme", ""),
    "realis": Rule("error", "realis {realis!r} is not in the scheme", ""),
    "trigger-overlap": Rule(
        "error", "trigger {start}:{end} overlaps the trigger before it", "one event per trigger"
    ),
    "role": Rule("error", "argument role {role!r} is not in the scheme", ""),
    "argument-entity": Rule(
        "error",
        "argument {role} at {start}:{end} points at no entity of the layer",
        "an argument points at an annotated entity with the same offsets",
    ),
    "argument-label": Rule("error", "argument {role} at {start}:{end} is a {entity_label} entity", ""),
    "argument-sentence": Rule(
        "error",
        "argument {role} at {start}:{end} is outside the trigger's sentence",
        "arguments link a trigger to entities of the same sentence",
    ),
    "iob2": Rule(
        "error",
        "tag {ner} of word {form!r} does not continue a {label} span",
        "I- must follow B- or I- of the same label in the same sentence",
    ),
}


@dataclass(frozen=True, slots=True)
class Violation:
    rule: str
    severity: str
    doc_id: str
    layer: str | None
    start: int | None
    end: int | None
    message: str
    hint: str

    def __str__(self) -> str:
        where = self.doc_id + (f" [{self.layer}]" if self.layer else "")
        if self.start is not None:
            where += f" {self.start}:{self.end}"
        hint = f" (hint: {self.hint})" if self.hint else ""
        return f"{self.severity}: {where}: {self.rule}: {self.message}{hint}"


@dataclass
class Report:
    violations: list[Violation] = field(default_factory=list)
    documents: int = 0

    @property
    def errors(self) -> list[Violation]:
        return [v for v in self.violations if v.severity == "error"]

    @property
    def warnings(self) -> list[Violation]:
        return [v for v in self.violations if v.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(v.rule for v in self.violations).items()))

    def sort(self) -> None:
        self.violations.sort(key=lambda v: (v.doc_id, v.layer or "", v.start or 0, v.rule))

    def grouped(self, examples: int = 3) -> list[str]:
        """One line per rule: severity, count and the first places, errors first."""
        lines = []
        for rule, n in sorted(
            self.counts().items(), key=lambda kv: (RULES[kv[0]].severity != "error", kv[0])
        ):
            found = [v for v in self.violations if v.rule == rule]
            places = "; ".join(
                f"{v.doc_id}" + (f" {v.start}:{v.end}" if v.start is not None else "")
                for v in found[:examples]
            )
            more = f" and {n - examples} more" if n > examples else ""
            lines.append(f"{found[0].severity} {rule}: {n} ({places}{more})")
        return lines

    def to_json(self) -> str:
        return json.dumps(
            {
                "ok": self.ok,
                "documents": self.documents,
                "errors": len(self.errors),
                "warnings": len(self.warnings),
                "counts": self.counts(),
                "violations": [asdict(v) for v in self.violations],
            },
            ensure_ascii=False,
            indent=1,
        )


def validate(items: Iterable[tuple[Document, list[Layer]]], scheme: Scheme) -> Report:
    """Check every document and layer; return all violations, sorted by place."""
    tables = build(items)
    violations = check_tables(tables, scheme)
    violations += check_corpus(summaries(tables.documents))
    report = Report(violations=violations, documents=len(tables.documents))
    report.sort()
    return report


def check_tables(tables: Tables, scheme: Scheme) -> list[Violation]:
    """The rules that look at one document at a time, on tables of any number of them."""
    report = Report()
    schemas = _schemas(scheme)
    hints = _scheme_hints(scheme)
    for table, frame in _frames(tables).items():
        if not frame.empty:
            _run(schemas[table], frame, report, hints)
    return report.violations


def summaries(documents: pd.DataFrame) -> list[dict[str, object]]:
    """What the corpus-wide rules need of each document."""
    return [
        {"doc_id": d, "sha256": s, "simhash": h}
        for d, s, h in zip(documents["doc_id"], documents["sha256"], documents["simhash"], strict=True)
    ]


def check_corpus(docs: list[dict[str, object]]) -> list[Violation]:
    """Rules across documents: unique ids, no text twice, near-duplicate texts (a warning)."""
    if not docs:
        return []
    frame = pd.DataFrame(docs, columns=["doc_id", "sha256", "simhash"])
    frame["near"] = near_duplicates(
        frame["simhash"].tolist(), frame["doc_id"].tolist(), frame["sha256"].tolist()
    )
    schema = pa.DataFrameSchema(
        checks=[
            _check("unique-id", lambda f: ~f["doc_id"].duplicated(keep=False)),
            _check("duplicate-text", lambda f: ~f["sha256"].duplicated(keep=False)),
            _check("near-duplicate", lambda f: f["near"].isna()),
        ]
    )
    report = Report()
    _run(schema, frame, report, {})
    return report.violations


def near_duplicates(hashes: list[int], ids: list[str], shas: list[str], bits: int = 6) -> list[str | None]:
    """For each document, another whose 64-bit simhash differs in at most ``bits`` bits
    (one word changed in a news article flips about four), but not an exact duplicate:
    that is another rule. Seven 9-bit bands find the pairs without comparing all of them:
    two hashes within six bits agree on at least one band; the members of each band's
    buckets are compared with numpy, all pairs of a bucket at once."""
    near: list[str | None] = [None] * len(hashes)
    if len(hashes) < 2:
        return near
    values = np.array(hashes, dtype=np.uint64)
    _, text_ids = np.unique(np.array(shas), return_inverse=True)
    for band in range(7):
        keys = (values >> np.uint64(9 * band)) & np.uint64(0x1FF)
        order = np.argsort(keys, kind="stable")
        edges = np.flatnonzero(np.diff(keys[order])) + 1
        for members in np.split(order, edges):
            if len(members) < 2:
                continue
            for a, b in _partners(values, text_ids, members, bits):
                near[a] = near[a] or ids[b]
    return near


def _partners(
    values: NDArray[Any], text_ids: NDArray[Any], members: NDArray[Any], bits: int, block: int = 1024
) -> Iterator[tuple[int, int]]:
    """For each member that has one, a member whose hash differs in at most ``bits`` bits
    and whose text differs, a block of rows at a time (memory stays bounded however
    crowded the bucket)."""
    for start in range(0, len(members), block):
        rows = members[start : start + block]
        distance = np.bitwise_count(values[rows][:, None] ^ values[members][None, :])
        close = (distance <= bits) & (text_ids[rows][:, None] != text_ids[members][None, :])
        found = close.any(axis=1)
        for i, j in zip(np.flatnonzero(found), close.argmax(axis=1)[found], strict=True):
            yield int(rows[i]), int(members[j])


def _frames(tables: Tables) -> dict[str, pd.DataFrame]:
    documents = tables.documents.copy()
    lengths = documents.set_index("doc_id")["length"]
    entities = tables.entities.assign(length=tables.entities["doc_id"].map(lengths))
    events = tables.events.assign(length=tables.events["doc_id"].map(lengths))
    return {
        "documents": documents,
        "layers": tables.layers,
        "entities": entities,
        "events": events,
        "arguments": tables.arguments,
        "tokens": _iob(tables.tokens),
    }


def _iob(tokens: pd.DataFrame) -> pd.DataFrame:
    """Adds ``ok``: whether each word's NER tag continues the tag before it (IOB2)."""
    previous = tokens.groupby(["doc_id", "sentence"])["ner"].shift(fill_value="O")
    inside = tokens["ner"].str.startswith("I-")
    label = tokens["ner"].str[2:]
    continues = previous.str[2:].eq(label) & previous.ne("O")
    return tokens.assign(label=label, ok=~inside | continues)


def _check(rule: str, fn: Callable[[pd.DataFrame], pd.Series]) -> pa.Check:
    return pa.Check(fn, error=rule)


def _no_overlap(frame: pd.DataFrame) -> pd.Series:
    ordered = frame.sort_values(["doc_id", "layer", "start", "end"])
    previous_end = ordered.groupby(["doc_id", "layer"])["end"].shift(fill_value=-1)
    return (ordered["start"] >= previous_end).reindex(frame.index)


def _span_checks() -> list[pa.Check]:
    return [
        _check("offsets", lambda f: (f["start"] >= 0) & (f["start"] < f["end"]) & (f["end"] <= f["length"])),
        _check("span-text", lambda f: f["text"] == f["surface"]),
        _check(
            "span-edge",
            lambda f: f["text"].map(lambda t: bool(t) and t[0] not in SPAN_EDGE and t[-1] not in SPAN_EDGE),
        ),
        _check("cross-sentence", lambda f: f["sentence"] == f["end_sentence"]),
    ]


def _schemas(scheme: Scheme) -> dict[str, pa.DataFrameSchema]:
    def role_allows(f: pd.DataFrame) -> pd.Series:
        allowed = {r.name: set(r.entities) for r in scheme.roles}
        return pd.Series(
            [
                label is None or pd.isna(label) or role not in allowed or label in allowed[role]
                for role, label in zip(f["role"], f["entity_label"], strict=True)
            ],
            index=f.index,
        )

    return {
        "documents": pa.DataFrameSchema(
            checks=[
                _check(
                    "id-format", lambda f: f["doc_id"].map(lambda i: bool(ID.fullmatch(i)) and ".." not in i)
                ),
                _check("canonical-text", lambda f: f["canonical"]),
                _check("invisible-chars", lambda f: f["invisible"] == 0),
            ]
        ),
        "layers": pa.DataFrameSchema(
            checks=[
                _check("text-drift", lambda f: f["text_sha256"] == f["doc_sha256"]),
            ]
        ),
        "entities": pa.DataFrameSchema(
            checks=[
                *_span_checks(),
                _check("label", lambda f: f["label"].isin(scheme.entity_labels)),
                _check("overlap", _no_overlap),
            ]
        ),
        "events": pa.DataFrameSchema(
            checks=[
                *_span_checks(),
                _check("event-type", lambda f: f["type"].isin(scheme.event_types)),
                _check("realis", lambda f: f["realis"].isin(scheme.realis_values)),
                _check("trigger-overlap", _no_overlap),
            ]
        ),
        "arguments": pa.DataFrameSchema(
            checks=[
                _check("role", lambda f: f["role"].isin(scheme.role_names)),
                _check("argument-entity", lambda f: f["entity_label"].notna()),
                _check("argument-label", role_allows),
                _check("argument-sentence", lambda f: f["sentence"] == f["trigger_sentence"]),
            ]
        ),
        "tokens": pa.DataFrameSchema(checks=[_check("iob2", lambda f: f["ok"])]),
    }


def _run(schema: pa.DataFrameSchema, frame: pd.DataFrame, report: Report, hints: dict[str, str]) -> None:
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases[["check", "index"]].drop_duplicates()
        for rule, index in cases.itertuples(index=False):
            row = frame.loc[index].to_dict()
            report.violations.append(_violation(rule, row, hints))


def _violation(rule: str, row: dict[str, object], hints: dict[str, str]) -> Violation:
    spec = RULES[rule]
    hint = spec.hint or hints.get(rule, "")
    start = row.get("start")
    end = row.get("end")
    return Violation(
        rule=rule,
        severity=spec.severity,
        doc_id=str(row["doc_id"]),
        layer=str(row["layer"]) if row.get("layer") else None,
        start=int(start) if isinstance(start, int | float) else None,
        end=int(end) if isinstance(end, int | float) else None,
        message=spec.message.format_map(_Row(row)),
        hint=hint,
    )


def _scheme_hints(scheme: Scheme) -> dict[str, str]:
    """Hints that list what the scheme allows."""
    return {
        "label": "entity labels: " + ", ".join(scheme.entity_labels),
        "event-type": "event types: " + ", ".join(scheme.event_types),
        "realis": "realis: " + ", ".join(scheme.realis_values),
        "role": "roles: " + ", ".join(scheme.role_names),
        "argument-label": "; ".join(f"{r.name}: {', '.join(r.entities)}" for r in scheme.roles),
    }


class _Row(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "?"
