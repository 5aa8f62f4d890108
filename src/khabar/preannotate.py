"""Pre-annotation: draft entity spans for annotators, offline, from name lists.

Matching runs on the analysis view of the text; every span is mapped back to canonical
offsets. Proclitics (و ف ب ك ل and their combinations, and the ل + ال contraction) stay
outside the span as GUIDELINES.md rule 2 and 4 say; a word is first tried whole, so
names that begin with those letters (بايدن، لبنان، واشنطن) are never over-stripped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from khabar import __version__
from khabar.gazetteer import Entry, Gazetteer
from khabar.model import Document, Layer, Provenance, Span
from khabar.text import Analysis

PRODUCER = "khabar-rules"
CONJUNCTIONS = ("", "و", "ف")
PREPOSITIONS = ("", "ب", "ك", "ل")


def proclitic_analyses(word: str, min_stem: int = 2) -> list[tuple[int, str]]:
    """Ways to read ``word`` (normalised) as proclitics + stem: (stem offset, lookup form).

    The whole word comes first, then readings that strip fewer letters. For ل + ال
    («للناتو») the stem starts at the second ل and is looked up with its alif restored.
    """
    found = [(0, word)]
    for conj in CONJUNCTIONS:
        for prep in PREPOSITIONS:
            prefix = conj + prep
            if not prefix or not word.startswith(prefix):
                continue
            cut = len(prefix)
            if prep == "ل" and word.startswith(conj + "لل"):
                found.append((cut, "ا" + word[cut:]))
            found.append((cut, word[cut:]))
    seen = set()
    out = []
    for cut, form in found:
        if (cut, form) not in seen and len(form) >= min_stem:
            seen.add((cut, form))
            out.append((cut, form))
    return sorted(out, key=lambda item: item[0])


@dataclass(frozen=True, slots=True)
class Match:
    start: int  # canonical offsets
    end: int
    entry: Entry


def matches(analysis: Analysis, gazetteer: Gazetteer) -> Iterator[Match]:
    """Longest gazetteer matches, left to right, not overlapping."""
    norm = analysis.norm
    words = list(analysis.words())
    i = 0
    while i < len(words):
        found = _match_at(norm, words, i, gazetteer)
        if found is None:
            i += 1
            continue
        cut, n, entry = found
        start = analysis.start(words[i][0] + cut)
        end = analysis.end(words[i + n - 1][1])
        yield Match(start, end, entry)
        i += n


def _match_at(
    norm: str, words: list[tuple[int, int]], i: int, gazetteer: Gazetteer
) -> tuple[int, int, Entry] | None:
    a, b = words[i]
    readings = [(cut, form) for cut, form in proclitic_analyses(norm[a:b]) if form in gazetteer.longest]
    if not readings:
        return None
    longest = max(gazetteer.longest[form] for _, form in readings)
    for n in range(min(longest, len(words) - i), 0, -1):
        rest = tuple(norm[s:e] for s, e in words[i + 1 : i + n])
        if n > 1 and not _adjacent(norm, words, i, n):
            continue
        for cut, form in readings:
            entry = gazetteer.get((form, *rest))
            if entry is not None and not entry.ambiguous:
                return cut, n, entry
    return None


def _adjacent(norm: str, words: list[tuple[int, int]], i: int, n: int) -> bool:
    """Words of one name are separated by spaces only (no comma, quote or line break)."""
    return all(norm[words[k][1] : words[k + 1][0]].isspace() for k in range(i, i + n - 1)) and all(
        "\n" not in norm[words[k][1] : words[k + 1][0]] for k in range(i, i + n - 1)
    )


def run(doc: Document, gazetteer: Gazetteer, *, created: str | None = None) -> Layer:
    """The pre-annotation layer of one document."""
    analysis = Analysis.of(doc.text)
    entities = tuple(
        Span(
            m.start, m.end, m.entry.label, doc.text[m.start : m.end], round(m.entry.score, 3), m.entry.source
        )
        for m in matches(analysis, gazetteer)
    )
    provenance = Provenance(
        producer=PRODUCER,
        version=f"{__version__}+{gazetteer.version}",
        created=created or datetime.now(UTC).isoformat(timespec="seconds"),
    )
    return Layer(doc.id, "pre", "pre", doc.sha256, provenance, entities, ())
