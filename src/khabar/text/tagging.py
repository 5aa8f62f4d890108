"""IOB tags of tokens <-> spans: the one converter (IOB2 written; IOB1 and BIOES read).

A token is a pair of offsets, a span a (start, end, label) triple, a run of tokens a
(first token, one past the last, label) triple. Every format and the CRF go through here:
the IOB column reader, CoNLL-U's MISC tags, the CRF's features, gold tags and predictions,
and the words of a segmentation.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence

Tag = tuple[str, str] | None  # (prefix, label) of a tag, None outside a span
Run = tuple[int, int, str]  # first token, one past the last, label


def split_tag(tag: str) -> Tag:
    """("B", "PER") of B-PER, and of I-, E- and S- alike; ("", "PER") of a bare PER (a
    one-token span); None of O and of an empty tag."""
    if tag == "O" or not tag:
        return None
    if len(tag) > 2 and tag[1] == "-" and tag[0] in "BIES":
        return tag[0], tag[2:]
    return "", tag


def runs(tags: Sequence[Tag]) -> tuple[list[Run], list[int]]:
    """The runs of split tags, and the tokens where an I- or E- began one (I- without B-
    before it: repaired in IOB2, normal in IOB1).

    An I- or E- continues the run before it if that has its label; E- and S- end their
    run (BIOES); B- and a bare label begin one.
    """
    out: list[Run] = []
    repaired: list[int] = []
    first = -1  # the open run's first token, -1 when none is open
    label = ""
    for k, tag in enumerate(tags):
        if tag is None:
            if first >= 0:
                out.append((first, k, label))
                first = -1
            continue
        prefix, name = tag
        inside = prefix == "I" or prefix == "E"
        if not (inside and first >= 0 and name == label):
            if first >= 0:
                out.append((first, k, label))
            if inside:
                repaired.append(k)
            first, label = k, name
        if prefix == "E" or prefix == "S":
            out.append((first, k + 1, label))
            first = -1
    if first >= 0:
        out.append((first, len(tags), label))
    return out, repaired


def runs_of_tags(tags: Sequence[str]) -> list[Run]:
    """The runs of tags as strings (IOB2, IOB1 or BIOES)."""
    return runs([split_tag(tag) for tag in tags])[0]


def tags_of_spans(tokens: Sequence[tuple[int, int]], spans: Iterable[tuple[int, int, str]]) -> list[str]:
    """IOB2 tags of ``tokens`` (sorted and disjoint) from ``spans``: B- on the first token
    a span overlaps (a span that starts after a token's clitics, as «أوكرانيا» in
    «لأوكرانيا», tags the whole token), I- on the others it overlaps. Where spans share
    a token the later one's tag is kept (:func:`disjoint` first keeps the first)."""
    tags = ["O"] * len(tokens)
    n = len(tokens)
    ends = [b for _, b in tokens]
    for start, end, label in spans:
        k = bisect.bisect_right(ends, start)
        if k < n and tokens[k][0] < end:
            tags[k] = f"B-{label}"
            k += 1
            while k < n and tokens[k][0] < end:
                tags[k] = f"I-{label}"
                k += 1
    return tags


def disjoint(spans: Iterable[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The spans by start, the longest first, each left out if it overlaps one kept
    before it: nested and crossing spans have no IOB tags."""
    kept: list[tuple[int, int, str]] = []
    last_end = -1
    for span in sorted(spans, key=lambda s: (s[0], -s[1])):
        if span[0] >= last_end:
            kept.append(span)
            last_end = span[1]
    return kept
