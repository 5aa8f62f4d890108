"""Reading NER corpora in CoNLL/IOB column format: one token a line, the tag in the last
column, a blank line between sentences, ``-DOCSTART-`` or ``# newdoc`` between documents.

The text is rebuilt from the tokens (a space between tokens, none before closing or after
opening punctuation; a line per sentence) and every span carries over exactly. A file with
no blank line between sentences (ANERcorp as distributed) has its sentences ended after
each full stop, question or exclamation mark or ellipsis token instead. Such
corpora separate clitics inconsistently (ANERcorp tags «لأوكرانيا» whole): their spans are
kept as they are; ``khabar evaluate --ignore-proclitics`` says how to score them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from khabar.text.tagging import Tag, runs, split_tag

NO_SPACE_BEFORE = frozenset(".,،؛:!?؟)]}»%")
NO_SPACE_AFTER = frozenset("([{«")
SENTENCE_END = frozenset(".!?؟…")

# CoNLL files have a handful of columns (token, lemma, tags...); hundreds mean running text.
MAX_COLUMNS = 32


def parse_tag_map(text: str | None) -> dict[str, str]:
    """``PERS=PER,LOC=GPE,MISC=`` -> {"PERS": "PER", "LOC": "GPE", "MISC": ""} ("" drops)."""
    mapping: dict[str, str] = {}
    for part in (text or "").split(","):
        if part.strip():
            source, _, target = part.partition("=")
            mapping[source.strip()] = target.strip()
    return mapping


def default_tag_map(labels: set[str], scheme_labels: tuple[str, ...]) -> dict[str, str]:
    """The usual Arabic corpora: ANERcorp (PERS, LOC, ORG, MISC), AQMAR (PER, LOC, ORG,
    MIS), Wojood (PERS, GPE, LOC, ...). LOC means a country or a city unless the corpus
    also has GPE; labels outside the scheme are dropped."""
    mapping = {"PERS": "PER", "PERSON": "PER", "MISC": "", "MIS": ""}
    if "GPE" not in labels:
        mapping["LOC"] = "GPE"
    for label in labels:
        if label in scheme_labels:
            mapping.setdefault(label, label)
    return mapping  # a label it does not name is unknown


@dataclass(frozen=True, slots=True)
class Issue:
    line: int
    message: str
    fatal: bool  # the document cannot be read as it is


@dataclass
class Parsed:
    """One document of an IOB file: its interchange record, or why it cannot be read."""

    line: int  # where it starts
    record: dict[str, Any] | None
    issues: list[Issue] = field(default_factory=list)
    repaired: int = 0  # I- without B- read as B-
    ended_at_punctuation: bool = False  # the file marks no sentence: they end after . ! ? ؟ …


@dataclass
class _Sentence:
    tokens: list[str] = field(default_factory=list)
    tags: list[tuple[int, str]] = field(default_factory=list)  # (line, tag)


def read(
    text: str,
    name: str,
    scheme_labels: tuple[str, ...],
    *,
    tag_map: dict[str, str] | None = None,
    iob1: bool = False,
    strict: bool = False,
    sentences_per_document: int = 20,
) -> Iterator[Parsed]:
    """The documents of an IOB file's ``text`` (``name`` makes their ids when the file
    names none), as interchange records.

    Unknown tags are reported and read as O; I- without B- is read as B- and counted
    (normal in IOB1); a line with the wrong number of columns or a token holding a space
    makes its document unreadable. With ``strict``, any issue does.
    """
    lines = text.splitlines()
    labels = {
        parts[1]
        for line in lines
        if line.strip() and not line.lstrip().startswith(("#", "-DOCSTART-"))
        for parts in [split_tag(line.split()[-1])]
        if parts is not None
    }
    mapping = {**default_tag_map(labels, scheme_labels), **(tag_map or {})}
    markers = any(line.startswith(("-DOCSTART-", "# newdoc")) for line in lines)
    state = _State(name, mapping, scheme_labels, iob1, strict, not _marks_sentences(lines))

    def sentence_ends(next_line: int) -> Iterator[Parsed]:
        """The sentence ends, and its document too when the file marks none and it is full."""
        state.end_sentence()
        if not markers and len(state.sentences) >= sentences_per_document:
            yield from state.end_document(next_line)

    columns = 0
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not stripped:
            yield from sentence_ends(number + 1)
            continue
        if stripped.startswith(("-DOCSTART-", "# newdoc")):
            yield from state.end_document(number)
            if stripped.startswith("# newdoc") and "=" in stripped:
                state.doc_id = stripped.split("=", 1)[1].strip() or None
            continue
        if stripped.startswith("#"):
            continue
        fields = [f.strip() for f in line.split("\t")] if "\t" in line else stripped.split()
        if len(fields) > MAX_COLUMNS:
            state.issues.append(
                Issue(number, f"{len(fields)} columns: not a token line (running text?)", True)
            )
            continue
        columns = columns or len(fields)
        if len(fields) != columns or len(fields) < 2:
            state.issues.append(
                Issue(
                    number,
                    f"{len(fields)} columns where the file has {columns} (a token and its tag at least)",
                    True,
                )
            )
            continue
        if not fields[0] or any(ch.isspace() for ch in fields[0]):
            state.issues.append(Issue(number, f"token {fields[0]!r} is empty or holds a space", True))
            continue
        state.sentence.tokens.append(fields[0])
        state.sentence.tags.append((number, fields[-1]))
        if state.ended_at_punctuation and all(ch in SENTENCE_END for ch in fields[0]):
            yield from sentence_ends(number + 1)
    state.end_sentence()
    yield from state.end_document(len(lines) + 1)


def _marks_sentences(lines: list[str]) -> bool:
    """Whether a blank line stands between two token lines anywhere in the file."""
    after_token = blank_after_token = False
    for line in lines:
        stripped = line.strip()
        if not stripped:
            blank_after_token = blank_after_token or after_token
            continue
        is_token = not stripped.startswith("#") and not stripped.startswith("-DOCSTART-")
        if is_token and blank_after_token:
            return True
        after_token, blank_after_token = is_token, False
    return False


class _State:
    def __init__(
        self,
        name: str,
        mapping: dict[str, str],
        scheme_labels: tuple[str, ...],
        iob1: bool,
        strict: bool,
        ended_at_punctuation: bool,
    ) -> None:
        self.name = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.")[:100] or "iob"
        self.mapping, self.scheme_labels, self.iob1, self.strict = mapping, scheme_labels, iob1, strict
        self.ended_at_punctuation = ended_at_punctuation
        self.sentences: list[_Sentence] = []
        self.sentence = _Sentence()
        self.issues: list[Issue] = []
        self.doc_id: str | None = None
        self.first = 1
        self.count = 0

    def end_sentence(self) -> None:
        if self.sentence.tokens:
            self.sentences.append(self.sentence)
            self.sentence = _Sentence()

    def end_document(self, next_line: int) -> Iterator[Parsed]:
        self.end_sentence()
        if self.sentences or self.issues:
            self.count += 1
            yield self.build(self.doc_id or f"{self.name}-{self.count:05d}")
        self.sentences, self.issues, self.doc_id, self.first = [], [], None, next_line

    def build(self, doc_id: str) -> Parsed:
        lines: list[str] = []
        entities: list[dict[str, Any]] = []
        repaired = 0
        base = 0
        for sentence in self.sentences:
            text, offsets = "", []
            for i, token in enumerate(sentence.tokens):
                glue = (
                    i > 0
                    and token[0] not in NO_SPACE_BEFORE
                    and sentence.tokens[i - 1][-1] not in NO_SPACE_AFTER
                )
                text += (" " if glue else "") + token
                offsets.append((base + len(text) - len(token), base + len(text)))
            spans, fixed = self.spans(offsets, sentence.tags)
            repaired += fixed
            lines.append(text)
            entities += [{"start": a, "end": b, "label": label} for a, b, label in spans]
            base += len(text) + 1
        full = "\n".join(lines)
        for entity in entities:
            entity["text"] = full[entity["start"] : entity["end"]]
        fatal = any(i.fatal for i in self.issues) or (self.strict and self.issues)
        record = (
            None
            if fatal or not full.strip()
            else {"id": doc_id, "text": full, "entities": entities, "events": []}
        )
        return Parsed(self.first, record, self.issues[:], repaired, self.ended_at_punctuation)

    def spans(
        self, offsets: list[tuple[int, int]], tags: list[tuple[int, str]]
    ) -> tuple[list[tuple[int, int, str]], int]:
        """A sentence's spans (their labels mapped) and how many I- without B- began one."""
        split: list[Tag] = []
        issues: list[Issue] = []
        for line, tag in tags:
            parts = split_tag(tag)
            if parts is None:
                if tag != "O":
                    issues.append(Issue(line, f"unknown tag {tag!r}", False))
                split.append(None)
                continue
            prefix, label = parts
            target = self.mapping.get(label)
            if target not in self.scheme_labels:
                if target is None:
                    issues.append(
                        Issue(line, f"unknown tag {tag!r} (give it a target with --tag-map)", False)
                    )
                elif target:  # "" drops a label on purpose ("MISC="): not an issue
                    issues.append(Issue(line, f"unknown tag {tag!r}: {target!r} is not in the scheme", False))
                split.append(None)
                continue
            split.append((prefix, target))
        found, began_inside = runs(split)
        repaired = 0 if self.iob1 else len(began_inside)
        if self.strict and not self.iob1:
            for k in began_inside:
                line, tag = tags[k]
                issues.append(Issue(line, f"{tag} without B-{tag[2:]} before it", True))
        self.issues += sorted(issues, key=lambda issue: issue.line)  # in the file's order
        return [(offsets[a][0], offsets[b - 1][1], label) for a, b, label in found], repaired
