"""Event pre-annotation: PLOVER triggers from a lexicon kept as data, realis from the
words before them, and arguments from the entities of the same sentence.

Triggers: verbs in their past and present forms (with the future س, inside the span),
verbal nouns, and multiword triggers; proclitics stay outside the span and enclitic
pronouns inside (رفضته). Arguments follow Arabic word order with simple, cautious rules:
an argument is left out rather than guessed.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any, NamedTuple

from khabar.annotate.entities import Candidate, Tokens
from khabar.annotate.gazetteer import Lexicon, words_of
from khabar.text.analysis import sentence_ends
from khabar.text.clitics import proclitic_analyses

Readings = tuple[tuple[int, str], ...]  # (stem offset, lookup form) of a word
PRESENT_PREFIXES = ("ي", "ت", "ن", "ا")
ENCLITICS = ("هما", "هم", "هن", "ها", "كم", "نا", "ه")
ACTORS = ("PER", "ORG", "GPE")
THREATENED = ("SANCTION", "ASSAULT", "MOBILIZE", "COERCE")
# Words that may stand between a trigger and its actor: titles, nationalities, guillemets.
BRIDGE_LABELS = ("NORP",)
CLAUSE_STARTS = frozenset({"ان", "بان", "لان", "وان", "الذي", "التي", "الذين"})


def verb_forms(spec: str) -> set[str]:
    """Written forms of a verb given as ``past`` or ``past/present`` (normalised).

    Undiacritised, a passive is written as its active (قتل، يقتل، اعتقل), or is given as
    the verb (أصيب/يصاب). Besides the persons of the past and present: the subjunctive and
    jussive plural (أن يتظاهروا) and the plural before an enclitic (قتلوه، يقتلوه), and for
    a weak last radical the plural without it (يدعو -> يدعون، يعتدي -> يعتدون).
    """
    past, _, present = spec.partition("/")
    past = " ".join(words_of(past))
    if present:
        stem = " ".join(words_of(present))[1:]  # drop the present prefix
    elif past.startswith("ا") and len(past) > 3:  # forms IV, VII, VIII, X: أعلن/يعلن، انسحب/ينسحب
        stem = past[1:]
    else:
        stem = past
    forms = {past}
    if past.endswith(("ا", "ي")):  # دعا، التقى: دعت، دعوا
        forms |= {past[:-1] + "ت", past[:-1] + "وا"}  # not دعو+ه: «عبوة» would be عبأ
        if past.endswith("ي"):  # لقي، رمى (the same letters once normalised): لقيت
            forms.add(past + "ت")
    else:
        forms |= {past + ending for ending in ("ت", "وا", "ا", "تا", "ن", "نا", "و")}
    weak = stem.endswith(("و", "ي")) and len(stem) > 2
    for prefix in PRESENT_PREFIXES:
        forms |= {prefix + stem, prefix + stem + "ان"}
        if weak:  # يدعو، يعتدي: يدعون، يعتدون، أن يدعوا
            forms |= {prefix + stem[:-1] + ending for ending in ("ون", "ين", "وا")}
        else:
            forms |= {prefix + stem + ending for ending in ("ون", "ين", "وا", "و")}
    return forms


def noun_forms(noun: str) -> set[str]:
    """Written forms of a verbal noun or noun (normalised): with and without the article,
    and a final taa marbuta as ت before an enclitic (مداهمته -> مداهمت). An accusative
    (هجوما) is listed where it is wanted: «احتجاجا على» gives a reason, not an event."""
    base = " ".join(words_of(noun))
    forms = {base, "ال" + base}
    if " " not in base and base.endswith("ه") and len(base) > 3:  # taa marbuta, normalised
        forms.add(base[:-1] + "ت")
    return forms


def _past(spec: str) -> str:
    return " ".join(words_of(spec.partition("/")[0]))


@dataclass(frozen=True, slots=True)
class Trigger:
    type: str
    verb: bool
    score: float
    rule: str


# A named tuple, not a dataclass: made for every event of every text, and tuples are cheap.
class EventCandidate(NamedTuple):
    """An event in analysis-view offsets; arguments point at entity candidates."""

    start: int
    end: int
    type: str
    realis: str
    arguments: tuple[tuple[str, Candidate], ...]
    score: float
    rule: str


class EventFinder:
    """Finds events in a text whose entities are already found."""

    def __init__(self, triggers: dict[str, Any], lexicon: Lexicon) -> None:
        self.forms: dict[str, Trigger] = {}
        self.phrases: dict[tuple[str, ...], Trigger] = {}
        self.longest: dict[str, int] = {}
        for etype, spec in triggers.items():
            score = float(spec.get("score", 0.6))
            verbal = Trigger(etype, True, score, f"lexicon:{etype.lower()}")
            nominal = Trigger(etype, False, score, verbal.rule)
            verbs = [verb_forms(v) for v in spec.get("verbs", [])]
            for forms in verbs:
                for form in forms:
                    self.forms.setdefault(form, verbal)
            for noun in spec.get("nouns", []):
                for form in noun_forms(noun):
                    self.forms.setdefault(form, nominal)
            # keyed by the normalised past, as a phrase's first word is (أطلق النار -> اطلق)
            phrase_verbs = {_past(v): verb_forms(v) for v in spec.get("verb_phrases", [])}
            phrase_verbs |= {_past(v): verb_forms(v) for v in spec.get("verbs", [])}
            for phrase in spec.get("phrases", []):
                parts = words_of(phrase)
                heads = {parts[0]} | phrase_verbs.get(parts[0], set())
                for head in heads:
                    self._add_phrase((head, *parts[1:]), verbal if head != parts[0] else nominal)
        #: how listed forms begin (two letters): most words can be ruled out by that alone
        self.openings = frozenset(form[:2] for form in (*self.forms, *self.longest))
        self.irrealis = lexicon["irrealis"] | {c + w for c in "وف" for w in lexicon["irrealis"]}
        self.irrealis_longest = max((len(p.split()) for p in self.irrealis), default=1)
        self.irrealis_firsts = frozenset(p.split()[0] for p in self.irrealis)
        self.recipient_prepositions = lexicon["recipient_prepositions"]
        self.titles = lexicon["titles"]
        self.counterparts = lexicon["counterparts"]
        self.time_units = lexicon["time_units"]  # a duration («50 دقيقة») is no Time argument
        self._words: dict[str, tuple[Readings, int]] = {}

    def _add_phrase(self, words: tuple[str, ...], trigger: Trigger) -> None:
        self.phrases.setdefault(words, trigger)
        self.longest[words[0]] = max(self.longest.get(words[0], 0), len(words))

    # --- triggers -------------------------------------------------------------------------

    def lookups(self, word: str) -> Readings:
        """(stem offset, lookup form) readings of a word as a trigger: proclitics cut off
        (a glued «ما» too), the future س and enclitic pronouns dropped for the lookup."""
        found = []
        readings = list(proclitic_analyses(word))
        if word.startswith("ما") and len(word) > 4:  # «مارفضته»: ما glued by a typo
            readings.append((2, word[2:]))
        for cut, form in readings:
            if form[:2] not in self.openings and not (form[:1] == "س" and form[1:3] in self.openings):
                continue  # every variant below begins as the form does (or, without س, as the rest)
            variants = [form]
            if form.startswith("س") and form[1:2] in PRESENT_PREFIXES and len(form) > 3:
                variants.append(form[1:])  # سنرد، سيردون
            for variant in list(variants):
                if variant.endswith(ENCLITICS):
                    variants += [
                        variant[: -len(e)]
                        for e in ENCLITICS
                        if variant.endswith(e) and len(variant) - len(e) >= 3
                    ]
            prefix = word[:cut]
            verbal_ok = "ب" not in prefix and "ك" not in prefix and "ل" not in prefix  # «بتعهد» is a noun
            found += [
                (cut, v)
                for v in variants
                if (v in self.forms and (verbal_ok or not self.forms[v].verb)) or v in self.longest
            ]
        return tuple(found)

    def word(self, word: str) -> tuple[Readings, int]:
        """A word's trigger readings and flags (what an entity finder keeps for us)."""
        return self.lookups(word), self._flags(word)

    def words(self, t: Tokens) -> tuple[list[Readings], list[int]]:
        """Each word's trigger readings and flags, cached per word (bounded): most words
        come back often and most are no trigger."""
        readings: list[Readings] = []
        flags: list[int] = []
        infos = t.infos  # an entity finder made with ``also=self.word`` has looked them up
        for k, word in enumerate(t.texts):
            found: tuple[Readings, int] = (infos[k].also if infos is not None else None) or self._cached(word)
            readings.append(found[0])
            flags.append(found[1])
        return readings, flags

    def _cached(self, word: str) -> tuple[Readings, int]:
        found = self._words.get(word)
        if found is None:
            found = self.word(word)
            if len(self._words) < 100_000:  # bounded: most words come back, not all
                self._words[word] = found
        return found

    def triggers(
        self, t: Tokens, entities: list[Candidate], readings: list[Readings]
    ) -> list[tuple[int, int, int, Trigger]]:
        """(first word, end word, start offset, trigger): longest first, not inside entities."""
        entity_starts = [c.start for c in entities]
        found = []
        free = 0  # the first word not inside a trigger found already
        for i, options in enumerate(readings):
            if not options or i < free:
                continue
            match = None
            for cut, form in options:
                for n in range(min(self.longest.get(form, 1), len(t.spans) - i), 1, -1):
                    trigger = self.phrases.get((form, *t.texts[i + 1 : i + n]))
                    if trigger and t.adjacent(i, n):
                        match = (n, cut, trigger)
                        break
                if match is None and form in self.forms:
                    match = (1, cut, self.forms[form])
                if match:
                    break
            if match is None:
                continue
            n, cut, trigger = match
            start, end = t.spans[i][0] + cut, t.spans[i + n - 1][1]
            # entities are sorted and apart: only the last one starting before ``end`` may overlap
            before = bisect.bisect_left(entity_starts, end) - 1
            if before < 0 or entities[before].end <= start:
                found.append((i, i + n, start, trigger))
            free = i + n
        return found

    # --- events ---------------------------------------------------------------------------

    def find(self, t: Tokens, entities: list[Candidate]) -> list[EventCandidate]:
        """Events of a text whose entities (sorted, not overlapping) are found already."""
        norm = t.norm
        readings, flags = self.words(t)
        found = self.triggers(t, entities, readings)
        if not found:
            return []
        doc = _Doc(t, entities, flags, self.time_units)
        bounds = sentence_ends(norm)  # the last one is len(norm)
        spans, starts = t.spans, t.starts
        events: list[EventCandidate] = []
        previous = None
        # Triggers come in text order, and so do their sentences and contexts: each of these
        # indices only moves forward, one walk over the text for all triggers.
        after_start = after_end = 0  # the first sentence end at or after the trigger's start (end)
        first_word = end_word = 0  # the first word starting at or after the context's low (high)
        for k, (i, j, start, trigger) in enumerate(found):
            end = spans[j - 1][1]
            while bounds[after_start] < start:
                after_start += 1
            while bounds[after_end] < end:
                after_end += 1
            sentence_start = bounds[after_start - 1] if after_start > 0 else 0
            limit_next = found[k + 1][2] if k + 1 < len(found) else len(norm)
            limit_prev = spans[previous[1] - 1][1] if previous is not None else 0
            low, high = max(sentence_start, limit_prev), min(bounds[after_end], limit_next)
            while first_word < len(starts) and starts[first_word] < low:
                first_word += 1
            while end_word < len(starts) and starts[end_word] < high:
                end_word += 1
            context = _Context(doc, low, high, first_word, end_word)
            realis, threatened = self._realis(t, i, trigger, previous, context)
            previous = found[k]
            inherited: tuple[Candidate | None, Candidate | None] = (None, None)
            if threatened:
                roles = dict(events[-1].arguments)
                inherited = (roles.get("Actor"), roles.get("Recipient"))
            arguments = self._arguments(context, i, j, trigger, inherited)
            events.append(
                EventCandidate(
                    start,
                    end,
                    trigger.type,
                    realis,
                    arguments,
                    trigger.score,
                    trigger.rule,
                )
            )
        return events

    def _flags(self, word: str) -> int:
        """What a word is to the realis and argument rules (a bit mask)."""
        forms = {form for _, form in proclitic_analyses(word)} | {word}
        return (
            (TITLE if word in self.titles or (word[1:] in self.titles and word[0] == "و") else 0)
            | (COUNTERPART if forms & self.counterparts else 0)
            | (CLAUSE if word in CLAUSE_STARTS else 0)
            | (NEUTRAL if word in ("بين", "من", "عن") else 0)
            | (IRREALIS if word in self.irrealis_firsts else 0)
        )

    def _realis(
        self,
        t: Tokens,
        i: int,
        trigger: Trigger,
        previous: tuple[int, int, int, Trigger] | None,
        context: _Context,
    ) -> tuple[str, bool]:
        """The realis, and whether the event is the action the previous one threatens or demands."""
        # a modal, condition, negation or plan among the four words right before it
        first, lowest, joined = i, max(context.first_word, i - 4), t.joined
        while first > lowest and joined[first - 1]:
            first -= 1
        flags = context.doc.flags
        for k in range(first, i):
            if flags[k] & IRREALIS:
                for size in range(1, min(self.irrealis_longest, i - k) + 1):
                    if " ".join(t.texts[k : k + size]) in self.irrealis:
                        return "other", False
        word = t.texts[i]
        if trigger.verb and trigger.type != "THREATEN" and word[:1] == "س" and not word.startswith("سا"):
            return "other", False  # ستفرض: a future action
        if trigger.type in THREATENED and previous is not None:
            _, prev_j, _, prev = previous
            if (
                prev.type in ("THREATEN", "REQUEST")
                and i - prev_j <= 6
                and not any(p in gap for gap in t.gaps[prev_j - 1 : i] for p in ".؟!\n")
            ):
                return "other", True  # the action a threat or a demand is about
        return "actual", False

    def _arguments(
        self,
        ctx: _Context,
        i: int,
        j: int,
        trigger: Trigger,
        inherited: tuple[Candidate | None, Candidate | None],
    ) -> tuple[tuple[str, Candidate], ...]:
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
                and first.entity.label == "GPE"
                and len(after) > 1
                and after[1].entity.label == "PER"
                and after[1].distance == first.distance
            ):
                first = after[1]  # «أمير قطر الشيخ تميم»: the country belongs to the title
            if first is not None and first.marker == "" and first.distance <= 1:
                if first.counterpart:
                    recipient = first.entity  # «اتصالا هاتفيا بنظيره الإسرائيلي ...»
                    actor = subject
                elif first.after_title and first.entity.label != "PER":
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
        arguments: list[tuple[str, Candidate]] = []
        actors = (*ACTORS, "NORP") if trigger.type == "PROTEST" else ACTORS  # protesters are groups
        if actor is not None and actor.label in actors:
            arguments.append(("Actor", actor))
        if recipient is not None and recipient.label in ACTORS and recipient is not actor:
            arguments.append(("Recipient", recipient))
        for role, found in where:
            if all(found is not c for _, c in arguments):
                arguments.append((role, found))
        return tuple(arguments)


TITLE, COUNTERPART, CLAUSE, NEUTRAL, IRREALIS = 1, 2, 4, 8, 16


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
        return c.label == "NORP" and self.t.norm[c.start : c.end].endswith(("ين", "ون"))

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


class _Doc:
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


class _Context:
    """The words around one trigger, bounded by its sentence and the triggers next to it."""

    __slots__ = ("doc", "end_word", "first_word", "high", "low")

    def __init__(self, doc: _Doc, low: int, high: int, first_word: int, end_word: int) -> None:
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
                        if label in ("DATE", "TIME"):
                            if time is None and not e.duration:
                                time = c
                        elif (
                            label in ("GPE", "LOC", "FAC")
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
        where = [("Time", time)] if time is not None else []
        if place is not None:
            where.append(("Place", place))
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
