"""Names found once, found again where the rest of a document has them untagged: the
model's names (:func:`names_again`) and the rules' (:func:`drafted_names_again`)."""

from __future__ import annotations

import bisect
from collections.abc import Container
from typing import TYPE_CHECKING

from khabar.annotate.gazetteer import Gazetteer
from khabar.annotate.labels import NAMES, RuleLabels
from khabar.annotate.tokens import Candidate, Tokens

if TYPE_CHECKING:
    from khabar.annotate.crf_features import Featurizer

# a nationality, a date or an amount is found wherever it is written: names only
LABELS = RuleLabels("the names-again rule", __name__, reads=tuple(sorted(NAMES)))


def drafted_names_again(
    t: Tokens,
    chosen: list[Candidate],
    taken: bytearray,
    gazetteer: Gazetteer,
    function_words: Container[str],
) -> list[Candidate]:
    """A name the rules found once, often only thanks to its context («إقليم كردستان»،
    «قال الرئيس حمد»), wherever else the document writes the same whole words untagged:
    a name keeps one sense within a story. Not behind a proclitic the first finding did
    not have («مدينة صور» is Tyre, «وصور» more likely "and pictures"), not a name found
    with two labels, not a function word. ``taken``: 1 where a chosen span lies (updated)."""
    norm = t.norm
    named: dict[str, set[str]] = {}
    for c in chosen:
        if c.label not in NAMES:
            continue
        surface = norm[c.start : c.end]
        labels = named.get(surface)
        if labels is not None:
            labels.add(c.label)
            continue
        # a name listed without a cue is drafted wherever it is written already
        listed = gazetteer.get(tuple(surface.split()))
        if (
            (listed is None or listed.ambiguous)
            and len(surface) > 2
            and surface not in function_words
            and t.whole_words(c.start, c.end)
        ):
            named[surface] = {c.label}
    found = []
    # the longest first («جبهة تحرير كردستان» before «كردستان»); by name, so that the
    # output does not hang on the order of a set
    for surface in sorted(named, key=lambda s: (-len(s), s)):
        labels = named[surface]
        if len(labels) > 1:
            continue
        (label,) = labels
        at = norm.find(surface)  # a few names a text: str.find runs in C
        while at != -1:
            end = at + len(surface)
            if taken.find(1, at, end) == -1 and t.whole_words(at, end):
                found.append(Candidate(at, end, label, 0.6, "rule:name-again"))
                taken[at:end] = b"\x01" * (end - at)
            at = norm.find(surface, end)
    return found


def names_again(
    text: str,
    spans: list[tuple[int, int]],
    forms: list[str],
    found: list[tuple[int, int, str, float]],
    featurizer: Featurizer,
) -> list[tuple[int, int, str, float]]:
    """A name the model tagged somewhere, wherever else the same words occur in the document
    untagged, proclitics aside: a CRF decides by a sentence's words only, and misses a
    name in one sentence that it finds in another («الرياحنة» once, «والرياحنة» not).
    Not a name it tagged with two labels, nor a function word alone. ``spans``: the
    document's tokens, ``forms`` their normalised forms; ``found``: (start, end, label,
    score) in text offsets."""
    if not found:
        return []
    ends = [b for _, b in spans]
    taken = bytearray(len(spans))
    named: dict[tuple[str, ...], tuple[set[str], list[float]]] = {}
    for start, end, label, score in found:
        first = bisect.bisect_right(ends, start)
        last = bisect.bisect_left(ends, end)
        if last >= len(spans) or spans[last][1] != end:
            continue  # its end was snapped inside a token (a closing mark glued on): not a word run
        taken[first : last + 1] = b"\x01" * (last + 1 - first)
        words = (featurizer.form(text[start : spans[first][1]]), *forms[first + 1 : last + 1])
        labels, scores = named.setdefault(words, (set(), []))
        labels.add(label)
        scores.append(score)
    # by their first word, the longest name first («كوفي أنان» before «كوفي»)
    by_first: dict[str, list[tuple[str, ...]]] = {}
    for words in sorted(named, key=len, reverse=True):
        if len(named[words][0]) == 1 and (len(words) > 1 or words[0] not in featurizer.function_words):
            by_first.setdefault(words[0], []).append(words)
    if not by_first:
        return []
    again: list[tuple[int, int, str, float]] = []

    def spread(k: int, names: list[tuple[str, ...]]) -> bool:
        for words in names:
            last = k + len(words) - 1
            if (
                last >= len(forms)
                or tuple(forms[k + 1 : last + 1]) != words[1:]
                or taken.find(1, k, last + 1) != -1
            ):
                continue
            edges = featurizer.snap(text, spans[k][0], spans[last][1])
            if edges is None or featurizer.form(text[edges[0] : spans[k][1]]) != words[0]:
                continue
            labels, scores = named[words]
            again.append((edges[0], edges[1], next(iter(labels)), sum(scores) / len(scores)))
            taken[k : last + 1] = b"\x01" * (last + 1 - k)
            return True
        return False

    for k, form in enumerate(forms):
        if taken[k]:
            continue
        # the whole word first, then with fewer proclitics cut, as the rules read it
        for _, reading in featurizer.readings(form):
            names = by_first.get(reading)
            if names is not None and spread(k, names):
                break
    return again
