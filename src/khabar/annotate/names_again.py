"""Names the model tagged, found again where the rest of a document has them untagged."""

from __future__ import annotations

import bisect
from typing import TYPE_CHECKING

from khabar.text.clitics import proclitic_analyses

if TYPE_CHECKING:
    from khabar.annotate.crf import Featurizer


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
    again = []
    for k, form in enumerate(forms):
        if taken[k]:
            continue
        # the whole word first, then with fewer proclitics cut, as the rules read it
        readings = (form, *(stem for _, stem in proclitic_analyses(form)[1:]))
        for words in (w for reading in readings for w in by_first.get(reading, ())):
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
            break
    return again
