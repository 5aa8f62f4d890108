"""What the argument rules read around a trigger: the sentence's entities with the words
that mark them, and where a trigger's own sentence begins and ends."""

from __future__ import annotations

import bisect

from khabar.annotate.argument_words import (
    ACTORS,
    ANCHOR,
    BRIDGE_LABELS,
    CLAUSE,
    COUNTERPART,
    DESCRIPTOR,
    DESTINATION,
    DIRECTION,
    LOCATED,
    LOCATIVE,
    NEUTRAL,
    PLACES,
    RECIPIENT_PREPOSITIONS,
    TIMES,
    TITLE,
)

# the three argument modules share one declaration, made with the words
from khabar.annotate.argument_words import LABELS as LABELS
from khabar.annotate.labels import (
    NORP,
)
from khabar.annotate.tokens import Candidate, Tokens


class _Entity:
    """An entity candidate with what the argument rules ask of it (worked out when asked:
    most entities are far from any trigger)."""

    __slots__ = ("_marker", "candidate", "durations", "first", "last", "t")

    def __init__(self, c: Candidate, t: Tokens, first: int, last: int, durations: frozenset[str]) -> None:
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
        c = self.candidate  # «50 دقيقة» is no Time argument
        return any(w in self.durations for w in self.t.norm[c.start : c.end].split())


class _Following:
    """An entity after a trigger, as the argument rules see it."""

    __slots__ = ("after_title", "agent", "counterpart", "distance", "of", "prep")

    def __init__(
        self, of: _Entity, distance: int, after_title: bool, counterpart: bool, agent: bool, prep: bool
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

    def __init__(
        self, t: Tokens, entities: list[Candidate], flags: list[int], durations: frozenset[str]
    ) -> None:
        starts = t.starts
        self.t = t
        self.n = len(starts)
        self.flags = flags
        #: the entity whose first (last) word is word k, or None
        self.first: list[_Entity | None] = [None] * self.n
        self.last: list[_Entity | None] = [None] * self.n
        # entities are sorted and apart: one walk over the words finds where each starts and ends
        k = 0
        for c in entities:
            while k + 1 < self.n and starts[k + 1] <= c.start:
                k += 1
            last = k
            while last + 1 < self.n and starts[last + 1] < c.end:
                last += 1
            e = _Entity(c, t, k, last, durations)
            self.first[k] = e
            self.last[last] = e
        #: a comma (colon) after word k, and before word k + 1
        self.comma = self._after(t, "،")
        self.colon = self._after(t, ":")
        self.between = "بين" in t.texts

    def _after(self, t: Tokens, mark: str) -> list[bool]:
        found = [False] * self.n
        starts = t.starts
        k = -1  # the word before the mark (marks are no word): the marks come in order
        at = t.norm.find(mark)
        while at != -1:
            while k + 1 < self.n and starts[k + 1] <= at:
                k += 1
            if 0 <= k < self.n - 1:
                found[k] = True
            at = t.norm.find(mark, at + 1)
        return found


class TriggerContext:
    """The words around one trigger, bounded by its sentence and the triggers next to it
    (a place is looked for in the whole sentence)."""

    __slots__ = (
        "doc",
        "end_word",
        "first_word",
        "high",
        "low",
        "sent_end",
        "sent_first",
        "sent_high",
        "sent_low",
    )

    def __init__(
        self,
        doc: TextTables,
        low: int,
        high: int,
        first_word: int,
        end_word: int,
        sentence: tuple[int, int, int, int],
    ) -> None:
        self.doc, self.low, self.high = doc, low, high
        # the words that start inside: ``low`` never falls inside a word (it is a sentence
        # boundary or the end of a trigger), ``high`` may (a trigger after its proclitic)
        self.first_word, self.end_word = first_word, end_word
        # the sentence: its offsets, and its first word and the word after its last
        self.sent_low, self.sent_high, self.sent_first, self.sent_end = sentence

    def inside(self, e: _Entity) -> bool:
        return self.low <= e.candidate.start and e.candidate.end <= self.high

    def in_sentence(self, e: _Entity) -> bool:
        return self.sent_low <= e.candidate.start and e.candidate.end <= self.sent_high

    def located(self, e: _Entity, destination: bool) -> int:
        """LOCATED if a place entity is introduced as a place (في X، بX، قرب X، في مدينة X،
        بأنحاء X، مناطق متفرقة من X، شمال X; إلى X if ``destination``), ANCHOR if it is only
        the reference point of a direction after another place («الموصل شمال العراق»), else 0."""
        if e.candidate.label not in PLACES:
            return 0
        if e.marker == "ب":
            return LOCATED
        d = self.doc
        flags, texts = d.flags, d.t.texts
        k = e.first - 1
        lowest = max(self.sent_first, e.first - 6)
        direction = False
        while k >= lowest:
            word = flags[k]
            if word & LOCATIVE or (destination and word & DESTINATION):
                return LOCATED
            if word & (DESCRIPTOR | DIRECTION):
                if texts[k].startswith(("ب", "وب")):
                    return LOCATED  # «بمدينة X»، «بأنحاء X»، «بشمال X»
                direction = direction or bool(word & DIRECTION)
            elif not (texts[k] == "من" and k > lowest and flags[k - 1] & DESCRIPTOR):
                break  # «مناطق متفرقة من X» goes on, anything else ends the walk
            k -= 1
        # «الموصل شمال العراق»، «حي المنصور غرب بغداد»: a reference point, not the place
        return ANCHOR if direction else 0

    def conjoined(self, c: Candidate, labels: tuple[str, ...]) -> list[Candidate]:
        """An argument and the entities joined to it by و right next to it, in text order
        («الولايات المتحدة وبريطانيا وفرنسا اتفقت»، «حث إسرائيل ولبنان»)."""
        d = self.doc
        found = [c]
        k = bisect.bisect_right(d.t.starts, c.start) - 1
        e = d.first[k] if k >= 0 else None
        if e is None or e.candidate is not c:
            return found
        at = e
        while at.conjoined and at.first > self.sent_first:  # the ones before it
            previous = d.last[at.first - 1]
            if previous is None or not self.inside(previous) or previous.candidate.label not in labels:
                break
            found.insert(0, previous.candidate)
            at = previous
        at = e
        while at.last + 1 < self.sent_end:  # the ones after it
            following = d.first[at.last + 1]
            if (
                following is None
                or not following.conjoined
                or not self.inside(following)
                or following.candidate.label not in labels
            ):
                break
            found.append(following.candidate)
            at = following
        return found

    def place(self, i: int, j: int, destination: bool) -> Candidate | None:
        """The first place introduced as one after the trigger in its sentence (before a
        comma, within twelve steps), else the nearest one before it in the sentence («وفي
        بعقوبة شمال العاصمة قتل ...»)."""
        d = self.doc
        first, last, comma, colon = d.first, d.last, d.comma, d.colon
        k, steps = j, 0
        while k < self.sent_end and steps < 12:
            if k > j and (comma[k - 1] or colon[k - 1]):
                break
            e = first[k]
            if e is not None and self.in_sentence(e):
                if self.located(e, destination) == LOCATED:
                    return e.candidate
                k = e.last + 1
            else:
                k += 1
            steps += 1
        k, steps = i - 1, 0
        while k >= self.sent_first and steps < 12:
            if comma[k] or colon[k]:
                break
            e = last[k]
            if e is not None and self.in_sentence(e):
                if self.located(e, destination) == LOCATED:
                    return e.candidate
                k = e.first - 1
            else:
                k -= 1
            steps += 1
        return None

    def after(self, j: int) -> tuple[list[_Following], Candidate | None]:
        """What follows word j, in one walk over its words (an entity is one step):

        - the entities of the same clause that are not places introduced as such, with how
          they are attached (up to five content words on; a colon, or a comma not before
          «ونظيره», ends the clause);
        - the first date (not a duration) within eight steps and before a comma.
        """
        d = self.doc
        first, flags, colon, comma, texts = d.first, d.flags, d.colon, d.comma, d.t.texts
        low, high, end = self.low, self.high, self.end_word
        found: list[_Following] = []
        time = None
        k, distance, steps, after_title, counterpart = j, 0, 0, False, False
        following = located = True
        prep = False  # a recipient preposition, then titles and nationalities only
        while k < end:
            if following and (
                distance > 5 or (k > j and (colon[k - 1] or (comma[k - 1] and not flags[k] & COUNTERPART)))
            ):
                following = False
            if located and (steps >= 8 or (k > j and comma[k - 1]) or time is not None):
                located = False
            if not (following or located):
                break
            e = first[k]
            if e is not None:
                c = e.candidate
                if low <= c.start and c.end <= high:
                    label = c.label
                    if (
                        following
                        and (label not in BRIDGE_LABELS or e.plural)
                        and (label not in PLACES or not self.located(e, False))
                    ):
                        agent = k >= 2 and (texts[k - 2], texts[k - 1]) in (("علي", "يد"), ("من", "قبل"))
                        found.append(_Following(e, distance, after_title, counterpart, agent, prep))
                    if label not in BRIDGE_LABELS:
                        prep = False
                    if located and label in TIMES and time is None and not e.duration:
                        time = c
                    k = e.last + 1
                    steps += 1
                    continue
            if following:
                word = flags[k]
                if texts[k] in RECIPIENT_PREPOSITIONS:
                    prep = True
                elif not word & TITLE:
                    prep = False
                if word & COUNTERPART:
                    counterpart = True
                elif word & TITLE:
                    after_title = True
                elif not word & NEUTRAL:
                    distance += 1
            k += 1
            steps += 1
        return found, time

    def before(self, i: int, reach: int) -> Candidate | None:
        """The subject: the nearest unmarked actor entity ending within ``reach`` words before."""
        d = self.doc
        for k in range(i - 1, max(self.first_word, i - reach) - 1, -1):
            if d.comma[k] or (d.colon[k] and k < i - 1):
                break
            if d.flags[k] & CLAUSE:
                break  # «روته أن الحلف سيعزز»: the subject is in another clause
            e = d.last[k]
            if e is not None and self.inside(e) and e.candidate.label in ACTORS:
                if e.marker != "" or self.located(e, False):
                    return None  # «وفي بغداد اختطف»: a place, no subject
                return e.candidate
        return None

    def between(self, j: int) -> tuple[Candidate, Candidate] | None:
        """«بين X و Y» right after the trigger: X acts, Y receives."""
        d = self.doc
        if not d.between:
            return None
        for k in range(j, min(j + 3, d.n - 1)):
            if d.t.texts[k] == "بين":
                first = d.first[k + 1]
                if first is None or not self.inside(first) or first.candidate.label not in ACTORS:
                    return None
                nxt = d.first[first.last + 1] if first.last + 1 < d.n else None
                if nxt is not None and self.inside(nxt) and nxt.conjoined:
                    return first.candidate, nxt.candidate
                return None
        return None
