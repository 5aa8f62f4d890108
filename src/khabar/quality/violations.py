"""What validation finds: its rules (severity, message, hint), each violation, and the report of a run.

Every violation names a document, a layer, offsets and a rule, with a hint. Rules with
severity "warning" are reported but do not fail a run.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True, slots=True)
class Rule:
    """A rule: its severity ("error" or "warning"), its message and its hint."""

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
    """One rule broken at one place: a document, its layer and offsets where they apply."""

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
    """The violations of a run, and how many documents it checked."""

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
