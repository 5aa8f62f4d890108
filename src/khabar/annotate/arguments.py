"""The event argument rules: who acts, who receives, where and when, from the entities around a trigger.

Arguments follow Arabic word order with simple, cautious rules: an argument is left out
rather than guessed. The rules read each word as a few flags (a title, «ونظيره», a clause
opening ...), worked out once per word with its trigger readings (``khabar.annotate.events``).
"""

from __future__ import annotations

from khabar.annotate.labels import (
    ACTOR,
    DATE,
    FAC,
    GPE,
    LOC,
    NORP,
    ORG,
    PER,
    PLACE,
    PROTEST,
    RECIPIENT,
    TIME,
    WHEN,
    RuleLabels,
)
from khabar.annotate.tokens import Candidate, Tokens
from khabar.annotate.triggers import Trigger

LABELS = RuleLabels(
    "the event argument rules",
    __name__,
    reads=(PER, ORG, GPE, NORP, DATE, TIME, LOC, FAC),
    events=(PROTEST,),
    roles=(ACTOR, RECIPIENT, WHEN, PLACE),
)

ACTORS = (PER, ORG, GPE)
PROTESTERS = (*ACTORS, NORP)  # protesters are groups
TIMES = (DATE, TIME)
PLACES = (GPE, LOC, FAC)
# Words that may stand between a trigger and its actor: titles, nationalities, guillemets.
BRIDGE_LABELS = (NORP,)
CLAUSE_STARTS = frozenset({"ان", "بان", "لان", "وان", "الذي", "التي", "الذين"})

#: what a word is to the argument and realis rules, a bit mask per word
TITLE, COUNTERPART, CLAUSE, NEUTRAL, IRREALIS = 1, 2, 4, 8, 16


def arguments(
    ctx: TriggerContext,
    i: int,
    j: int,
    trigger: Trigger,
    inherited: tuple[Candidate | None, Candidate | None],
) -> tuple[tuple[str, Candidate], ...]:
    """The arguments of the trigger on words i..j-1 (``inherited``: the actor and recipient
    of the threat or demand it is the action of)."""
    actor: Candidate | None = None
    recipient: Candidate | None = None
    after, where = ctx.after(j)
    pair = ctx.between(j)
    if pair is not None:
        actor, recipient = pair
    else:
        subject = ctx.before(i, reach=3 if trigger.verb else 1)
        first = after[0] if after else None
        if (
            first is not None
            and first.after_title
            and first.entity.label == GPE
            and len(after) > 1
            and after[1].entity.label == PER
            and after[1].distance == first.distance
        ):
            first = after[1]  # «أمير قطر الشيخ تميم»: the country belongs to the title
        if first is not None and first.marker == "" and first.distance <= 1:
            if first.counterpart:
                recipient = first.entity  # «اتصالا هاتفيا بنظيره الإسرائيلي ...»
                actor = subject
            elif first.after_title and first.entity.label != PER:
                recipient = first.entity  # «حث الرئيس الأمريكي روسيا»: the actor is only a title
            elif subject is not None and trigger.verb:
                actor, recipient = subject, first.entity  # «أمريكا تهدد روسيا»
            else:
                actor = first.entity
                recipient = next(
                    (f.entity for f in after[1:] if f.marker in ("ل", "prep") or f.counterpart), None
                )
        elif first is not None and first.marker == "ل" and first.distance == 0 and not trigger.verb:
            actor = first.entity  # «نشر المعدات العسكرية للناتو»، «اجتماع لمجلس ...»
        else:
            actor = subject
            marked = next((f.entity for f in after if f.marker in ("ل", "prep")), None)
            recipient = marked
    if inherited != (None, None):
        actor, recipient = inherited  # the threatened action: who threatens whom
    found: list[tuple[str, Candidate]] = []
    actors = PROTESTERS if trigger.type == PROTEST else ACTORS
    if actor is not None and actor.label in actors:
        found.append((ACTOR, actor))
    if recipient is not None and recipient.label in ACTORS and recipient is not actor:
        found.append((RECIPIENT, recipient))
    for role, c in where:
        if all(c is not other for _, other in found):
            found.append((role, c))
    return tuple(found)


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

    __slots__ = ("after_title", "counterpart", "distance", "of")

    def __init__(self, of: _Entity, distance: int, after_title: bool, counterpart: bool) -> None:
        self.of = of
        self.distance = distance  # content words between the trigger and the entity (titles do not count)
        self.after_title = after_title
        self.counterpart = counterpart  # introduced by «ونظيره»

    @property
    def entity(self) -> Candidate:
        return self.of.candidate

    @property
    def marker(self) -> str:
        """How the entity is attached: "ل" or "ب" (clitics), "prep" (على، ضد، إلى، مع) or ""."""
        return self.of.marker  # worked out only for the entities the rules look at


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
    """The words around one trigger, bounded by its sentence and the triggers next to it."""

    __slots__ = ("doc", "end_word", "first_word", "high", "low")

    def __init__(self, doc: TextTables, low: int, high: int, first_word: int, end_word: int) -> None:
        self.doc, self.low, self.high = doc, low, high
        # the words that start inside: ``low`` never falls inside a word (it is a sentence
        # boundary or the end of a trigger), ``high`` may (a trigger after its proclitic)
        self.first_word, self.end_word = first_word, end_word

    def inside(self, e: _Entity) -> bool:
        return self.low <= e.candidate.start and e.candidate.end <= self.high

    def after(self, j: int) -> tuple[list[_Following], list[tuple[str, Candidate]]]:
        """What follows word j, in one walk over its words (an entity is one step):

        - the entities of the same clause, with how they are attached (up to five content
          words on; a colon, or a comma not before «ونظيره», ends the clause);
        - the first date (not a duration) and the first place after في or with ب, within
          eight steps and before a comma.
        """
        d = self.doc
        first, flags, colon, comma, texts = d.first, d.flags, d.colon, d.comma, d.t.texts
        low, high, end = self.low, self.high, self.end_word
        found: list[_Following] = []
        time = place = None
        k, distance, steps, after_title, counterpart = j, 0, 0, False, False
        following = located = True
        while k < end:
            if following and (
                distance > 5 or (k > j and (colon[k - 1] or (comma[k - 1] and not flags[k] & COUNTERPART)))
            ):
                following = False
            if located and (
                steps >= 8 or (k > j and comma[k - 1]) or (time is not None and place is not None)
            ):
                located = False
            if not (following or located):
                break
            e = first[k]
            if e is not None:
                c = e.candidate
                if low <= c.start and c.end <= high:
                    label = c.label
                    if following and (label not in BRIDGE_LABELS or e.plural):
                        found.append(_Following(e, distance, after_title, counterpart))
                    if located:
                        if label in TIMES:
                            if time is None and not e.duration:
                                time = c
                        elif (
                            label in PLACES
                            and place is None
                            and (e.marker == "ب" or (k > 0 and texts[k - 1] == "في"))
                        ):
                            place = c
                    k = e.last + 1
                    steps += 1
                    continue
            if following:
                word = flags[k]
                if word & COUNTERPART:
                    counterpart = True
                elif word & TITLE:
                    after_title = True
                elif not word & NEUTRAL:
                    distance += 1
            k += 1
            steps += 1
        where = [(WHEN, time)] if time is not None else []
        if place is not None:
            where.append((PLACE, place))
        return found, where

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
                return e.candidate if e.marker == "" else None
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
