"""What the rules share about one text: its words (Tokens, WordInfo) and the entity candidates.

The entity rules, the event rules and the CRF all read a text as the same words of its
analysis view, looked up once (:class:`Tokens`), and pass entities around as
:class:`Candidate` spans in analysis-view offsets.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from khabar.text.clitics import proclitic_analyses

WORD = re.compile(r"\w+")
WORD_SPLIT = re.compile(r"(\w+)")
LETTERS = r"[^\W\d_]+"


def among(phrase: str, words: frozenset[str]) -> bool:
    """Whether ``phrase`` is one of ``words``, as written or behind proclitics: «للرئيس»."""
    return any(form in words for _, form in proclitic_analyses(phrase))


def alternation(phrases: Iterable[str]) -> str:
    """A regular expression matching any of ``phrases`` (longest first, spaces flexible)."""
    ordered = sorted(set(phrases), key=lambda p: (-len(p), p))
    return "(?:" + "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in ordered) + ")"


NISBA_ENDS = ("ي", "يه")  # a nationality's singular, masculine and feminine (normalised)


@dataclass(frozen=True, slots=True)
class WordInfo:
    """What the rules need to know of one (normalised) word, computed once per word.

    ``readings``: (cut, form) readings that start a listed name; ``head``: where an
    organisation head noun starts in it; ``anchors``: the rules that may start here.
    """

    readings: tuple[tuple[int, str], ...]
    longest: int  # words in the longest listed name a reading starts
    head: int | None
    anchors: frozenset[str]
    first_name: bool  # a foreign first name: a person with the word after it
    title: bool = False  # a title or role may start here
    arabic_first_name: bool = False  # an Arabic first name (or «عبد» of one) may start here
    # what another finder keeps of the word (see EntityFinder); ``Any``, as mypyc cannot
    # compile a dataclass field annotated ``object``
    also: Any = None
    #: a given name of the derived lists (or the lexicon's) after ``given_cut`` proclitic
    #: letters, and its frequency band (1 most common .. 4; 0: none)
    given: int = 0
    given_cut: int = 0
    #: a definite singular nationality («التشيكي»، «والروسية») after ``nisba`` proclitic
    #: letters (-1: none), which may stand for a person before a name
    nisba: int = -1


class Candidate:
    """A possible entity in analysis-view offsets.

    A plain class, not a named tuple: compiled (mypyc), its fields are read directly.
    """

    __slots__ = ("end", "label", "rule", "score", "start")

    def __init__(self, start: int, end: int, label: str, score: float, rule: str) -> None:
        self.start = start
        self.end = end
        self.label = label
        self.score = score
        self.rule = rule

    def _fields(self) -> tuple[int, int, str, float, str]:
        return (self.start, self.end, self.label, self.score, self.rule)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Candidate) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return f"Candidate{self._fields()}"


class Tokens:
    """The words of an analysis view, found once and shared by the entity and event rules."""

    __slots__ = ("gaps", "infos", "joined", "norm", "spans", "starts", "texts")

    def __init__(self, norm: str) -> None:
        self.norm = norm
        # one C-level split gives words and what lies between them: [gap, word, gap, word, ..., gap]
        parts = WORD_SPLIT.split(norm)
        offsets = list(itertools.accumulate(map(len, parts), initial=0))
        self.texts = parts[1::2]
        self.starts = offsets[1:-1:2]
        self.spans = list(zip(self.starts, offsets[2::2], strict=False))
        #: gaps[k]: what separates word k from word k+1 ("" after the last word)
        self.gaps = [*parts[2:-1:2], ""] if self.texts else []
        #: joined[k]: word k and word k+1 are separated by spaces only (one name may go on)
        self.joined = [not gap.strip(" \t") for gap in self.gaps]
        if self.joined:
            self.joined[-1] = False
        #: each word's info, once an entity finder has looked them up
        self.infos: list[WordInfo] | None = None

    def __len__(self) -> int:
        return len(self.spans)

    def words_holding(self, needles: Iterable[str], forms: Container[str]) -> Iterator[int]:
        """The words that are one of ``forms`` (a head noun as written and behind proclitics),
        found through ``needles`` (the heads) in the text: a few a text at most, and str.find
        runs in C where a loop over the words would not."""
        norm = self.norm
        for needle in needles:
            at = norm.find(needle)
            while at != -1:
                i = self.word_at(at)
                at = norm.find(needle, at + len(needle))
                if self.texts[i] in forms:
                    yield i

    def word_at(self, at: int) -> int:
        """The word position ``at`` lies in, or the last one before it (-1: none)."""
        return bisect.bisect_right(self.starts, at) - 1

    def whole_words(self, start: int, end: int) -> bool:
        """Whether norm[start:end] starts where a word starts and ends where one ends."""
        k = self.word_at(start)
        return k >= 0 and self.starts[k] == start and self.spans[self.word_at(end - 1)][1] == end

    def adjacent(self, i: int, n: int) -> bool:
        """Words i..i+n-1 are separated by spaces only (no punctuation, no line break)."""
        return i >= 0 and all(self.joined[i : i + n - 1]) and i + n <= len(self.spans)

    def previous(self, i: int, k: int = 1) -> str:
        """The ``k`` words before word ``i``, if only spaces separate them."""
        if i - k < 0 or not self.adjacent(i - k, k + 1):
            return ""
        return " ".join(self.texts[i - k : i])

    def joined_to(self, k: int, n: int) -> bool:
        """Whether ``n`` more words follow word ``k - 1``, only spaces between them."""
        return k + n <= len(self.texts) and k > 0 and self.adjacent(k - 1, n + 1)
