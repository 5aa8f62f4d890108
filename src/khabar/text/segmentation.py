"""Sentences, tokens and syntactic words of a document, tagged from one layer.

A token is split into words wherever a span boundary falls inside it (schemas/guidelines.md
rules 2 and 4): «لأوكرانيا» with the span «أوكرانيا» becomes the words «ل» «أوكرانيا»;
«للناتو» with the span «لناتو» becomes «ل» «الناتو», the article's alif restored as UD
Arabic-PADT writes it. Words carry IOB2 tags for entities and event triggers (made by
``khabar.text.tagging``). The CoNLL-U writer, the token table and the ``ner`` config all
read this one segmentation.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
import unicodedata
from dataclasses import dataclass

from khabar.corpus.model import Document, Layer, Span
from khabar.text.analysis import sentences, tokens
from khabar.text.tagging import disjoint, tags_of_spans

PROCLITICS = re.compile(r"[وف]?[بكل]?")
CLITIC_UPOS = {"و": "CCONJ", "ف": "CCONJ", "ب": "ADP", "ك": "ADP", "ل": "ADP"}


@dataclass(frozen=True, slots=True)
class Word:
    start: int
    end: int
    form: str
    upos: str
    ner: str = "O"
    event: str = "O"


@dataclass(frozen=True, slots=True)
class Token:
    start: int
    end: int
    form: str
    words: tuple[Word, ...]
    space_after: bool

    @property
    def is_multiword(self) -> bool:
        return len(self.words) > 1


@dataclass(frozen=True, slots=True)
class Sentence:
    index: int
    start: int
    end: int
    text: str
    tokens: tuple[Token, ...]

    @property
    def words(self) -> tuple[Word, ...]:
        return tuple(w for t in self.tokens for w in t.words)


def segment(doc: Document, layer: Layer | None) -> list[Sentence]:
    """The sentences of ``doc`` with words tagged from ``layer`` (untagged when None)."""
    entities = layer.entities if layer else ()
    triggers = tuple(e.trigger for e in layer.events) if layer else ()
    cuts = sorted({p for s in (*entities, *triggers) for p in (s.start, s.end)})
    text = doc.text
    # the words first, each token's as pieces; then their tags, all at once
    layout: list[tuple[int, int, list[tuple[int, int, list[tuple[int, int, str, str]]]]]] = []
    offsets: list[tuple[int, int]] = []
    for s_start, s_end in sentences(text):
        toks = []
        for t_start, t_end in tokens(text, s_start, s_end):
            first = bisect.bisect_right(cuts, t_start)
            inner = cuts[first : bisect.bisect_left(cuts, t_end, first)]
            pieces = _pieces(text, t_start, t_end, inner)
            offsets += [(a, b) for a, b, _, _ in pieces]
            toks.append((t_start, t_end, pieces))
        layout.append((s_start, s_end, toks))
    ner = _tags(offsets, entities)
    event = _tags(offsets, triggers)
    out = []
    k = 0
    for index, (s_start, s_end, toks) in enumerate(layout, start=1):
        made = []
        for t_start, t_end, pieces in toks:
            words = []
            for a, b, form, pos in pieces:
                words.append(Word(a, b, form, pos, ner[k], event[k]))
                k += 1
            space_after = t_end == len(text) or text[t_end].isspace()
            made.append(Token(t_start, t_end, text[t_start:t_end], tuple(words), space_after))
        out.append(Sentence(index, s_start, s_end, text[s_start:s_end], tuple(made)))
    return out


def _tags(words: list[tuple[int, int]], spans: tuple[Span, ...]) -> list[str]:
    """IOB2 tags of words from spans (the first of overlapping ones wins)."""
    if not spans:
        return ["O"] * len(words)
    return tags_of_spans(words, disjoint((s.start, s.end, s.label) for s in spans))


def _pieces(text: str, start: int, end: int, inner: list[int]) -> list[tuple[int, int, str, str]]:
    if not inner:  # most tokens: one word
        form = text[start:end]
        return [(start, end, form, upos(form))]
    bounds = [start, *inner, end]
    spans = list(itertools.pairwise(bounds))
    pieces: list[tuple[int, int, str, str]] = []
    for k, (a, b) in enumerate(spans):
        form = text[a:b]
        is_prefix = k < len(spans) - 1
        if is_prefix and PROCLITICS.fullmatch(form):
            pieces.extend((a + i, a + i + 1, ch, CLITIC_UPOS[ch]) for i, ch in enumerate(form))
            continue
        if k > 0 and pieces and pieces[-1][2] == "ل" and form.startswith("ل") and len(form) > 1:
            form = "ا" + form  # ل + ال: «للناتو» -> «ل» «الناتو»
        pieces.append((a, b, form, upos(form)))
    return pieces


@functools.lru_cache(maxsize=1 << 16)
def upos(form: str) -> str:
    """A placeholder part of speech from the characters alone: the corpus has no syntax."""
    if all(unicodedata.category(ch).startswith("P") for ch in form):
        return "PUNCT"
    if all(unicodedata.category(ch).startswith("S") for ch in form):
        return "SYM"
    if form[0].isdigit() and all(ch.isdigit() or ch in ".,٫٬" for ch in form):
        return "NUM"
    return "X"
