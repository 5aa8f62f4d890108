"""The per-text tables the argument rules read: the entities with the words that attach
them (a clitic, a preposition, «على يد»), each word's flags, and the commas and colons."""

from __future__ import annotations

from typing import NamedTuple

from khabar.annotate.argument_words import LABELS as LABELS  # the argument modules share one declaration
from khabar.annotate.labels import NORP
from khabar.annotate.tokens import Candidate, Tokens


class Durations(NamedTuple):
    """The words of a duration: its units, and what makes it a point in time instead."""

    units: frozenset[str]
    from_now: frozenset[str]


class Entity:
    """An entity candidate with what the argument rules ask of it (worked out when asked:
    most entities are far from any trigger)."""

    __slots__ = ("_marker", "candidate", "durations", "first", "last", "t")

    def __init__(self, c: Candidate, t: Tokens, first: int, last: int, durations: Durations) -> None:
        self.candidate = c
        self.t = t
        self.durations = durations
        self.first = first  # the words it starts and ends in
        self.last = last
        self._marker: str | None = None

    @property
    def clitic(self) -> str:
        return self.t.norm[self.t.spans[self.first][0] : self.candidate.start]

    @property
    def marker(self) -> str:
        """How the entity is attached: "ل" or "ب" (clitics), "prep" (على، ضد، إلى، مع) or ""."""
        if self._marker is None:
            clitic, t, first = self.clitic, self.t, self.first
            if clitic.endswith(("ل", "ب")):
                self._marker = clitic[-1]
            elif first > 0 and t.texts[first - 1] in ("علي", "ضد", "الي", "مع") and t.joined[first - 1]:
                self._marker = "prep"
            else:
                self._marker = ""
        return self._marker

    @property
    def conjoined(self) -> bool:
        return self.clitic.startswith("و")  # the second of a pair: «بين بايدن وبوتين»

    @property
    def plural(self) -> bool:
        """A nationality as a plural noun («الفلسطينيين»), not an adjective («الأمريكي»)."""
        c = self.candidate
        return c.label == NORP and self.t.norm[c.start : c.end].endswith(("ين", "ون"))

    @property
    def duration(self) -> bool:
        """«50 دقيقة»، «لمدة 90 يوما» are no Time argument; «قبل 12 يوما» is one."""
        c, t = self.candidate, self.t
        words = t.norm[c.start : c.end].split()
        if not any(w in self.durations.units for w in words):
            return False
        before = t.texts[self.first - 1] if self.first > 0 else ""
        return words[0] not in self.durations.from_now and before not in self.durations.from_now


class Following:
    """An entity after a trigger, as the argument rules see it."""

    __slots__ = ("after_title", "agent", "counterpart", "distance", "of", "prep")

    def __init__(
        self, of: Entity, distance: int, after_title: bool, counterpart: bool, agent: bool, prep: bool
    ) -> None:
        self.of = of
        self.distance = distance  # content words between the trigger and the entity (titles do not count)
        self.after_title = after_title
        self.counterpart = counterpart  # introduced by «ونظيره»
        self.agent = agent  # introduced by «على يد» or «من قبل»
        self.prep = prep  # after على، ضد، إلى، مع and titles only: «مع الرئيس الفرنسي جاك شيراك»

    @property
    def entity(self) -> Candidate:
        return self.of.candidate

    @property
    def marker(self) -> str:
        """How the entity is attached: "ل" or "ب" (clitics), "prep" (على، ضد، إلى، مع) or ""."""
        marker = self.of.marker  # worked out only for the entities the rules look at
        return "prep" if marker == "" and self.prep else marker


class TextTables:
    """Per-text tables the argument rules read: entities by word, word flags, stops."""

    def __init__(self, t: Tokens, entities: list[Candidate], flags: list[int], durations: Durations) -> None:
        starts = t.starts
        self.t = t
        self.n = len(starts)
        self.flags = flags
        #: the entity whose first (last) word is word k, or None
        self.first: list[Entity | None] = [None] * self.n
        self.last: list[Entity | None] = [None] * self.n
        # entities are sorted and apart: one walk over the words finds where each starts and ends
        k = 0
        for c in entities:
            while k + 1 < self.n and starts[k + 1] <= c.start:
                k += 1
            last = k
            while last + 1 < self.n and starts[last + 1] < c.end:
                last += 1
            e = Entity(c, t, k, last, durations)
            self.first[k] = e
            self.last[last] = e
        #: a comma (a colon or a bracket: «( الفرنسية )» ends a headline) after word k, and
        #: before word k + 1; news writes the Latin comma too
        n = self.n
        self.comma, self.colon, self.bracket = [False] * n, [False] * n, [False] * n
        # the marks after word k are in its gap (the last word's is ""): most gaps are one
        # space, and testing the others is cheaper than a regular expression over the text
        for k, gap in enumerate(t.gaps):
            if gap != " ":
                if "،" in gap or "," in gap:
                    self.comma[k] = True
                if "(" in gap or ")" in gap:
                    self.colon[k] = self.bracket[k] = True
                elif ":" in gap:
                    self.colon[k] = True
        #: whether «بين» may be a word of the text (a substring test at C speed; ``between``
        #: looks for the word itself)
        self.between = "بين" in t.norm
