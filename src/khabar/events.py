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
from typing import Any

from khabar.entities import Candidate, EntityFinder, Tokens, proclitic_analyses
from khabar.gazetteer import Lexicon, words_of
from khabar.text import sentences

PRESENT_PREFIXES = ("ي", "ت", "ن", "ا")
ENCLITICS = ("هما", "هم", "هن", "ها", "كم", "نا", "ه")
ACTORS = ("PER", "ORG", "GPE")
THREATENED = ("SANCTION", "ASSAULT", "MOBILIZE", "COERCE")
# Words that may stand between a trigger and its actor: titles, nationalities, guillemets.
BRIDGE_LABELS = ("NORP",)
CLAUSE_STARTS = frozenset({"ان", "بان", "لان", "وان", "الذي", "التي", "الذين"})


def verb_forms(spec: str) -> set[str]:
    """Written forms of a verb given as ``past`` or ``past/present`` (normalised)."""
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
        forms |= {past[:-1] + "ت", past[:-1] + "وا"}
    else:
        forms |= {past + ending for ending in ("ت", "وا", "ا", "تا", "ن", "نا")}
    for prefix in PRESENT_PREFIXES:
        forms |= {prefix + stem, prefix + stem + "ون", prefix + stem + "ان", prefix + stem + "ين"}
    return forms


@dataclass(frozen=True, slots=True)
class Trigger:
    type: str
    verb: bool
    score: float


@dataclass(frozen=True, slots=True)
class EventCandidate:
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

    def __init__(self, triggers: dict[str, Any], lexicon: Lexicon, entities: EntityFinder) -> None:
        self.forms: dict[str, Trigger] = {}
        self.phrases: dict[tuple[str, ...], Trigger] = {}
        self.longest: dict[str, int] = {}
        for etype, spec in triggers.items():
            score = float(spec.get("score", 0.6))
            verbs = [verb_forms(v) for v in spec.get("verbs", [])]
            for forms in verbs:
                for form in forms:
                    self.forms.setdefault(form, Trigger(etype, True, score))
            for noun in spec.get("nouns", []):
                base = " ".join(words_of(noun))
                for form in (base, "ال" + base):
                    self.forms.setdefault(form, Trigger(etype, False, score))
            phrase_verbs = {v.partition("/")[0]: verb_forms(v) for v in spec.get("verb_phrases", [])}
            phrase_verbs |= {v.partition("/")[0]: verb_forms(v) for v in spec.get("verbs", [])}
            for phrase in spec.get("phrases", []):
                parts = words_of(phrase)
                heads = {parts[0]} | phrase_verbs.get(parts[0], set())
                for head in heads:
                    self._add_phrase((head, *parts[1:]), Trigger(etype, head != parts[0], score))
        self.irrealis = lexicon["irrealis"] | {c + w for c in "وف" for w in lexicon["irrealis"]}
        self.irrealis_longest = max((len(p.split()) for p in self.irrealis), default=1)
        self.recipient_prepositions = lexicon["recipient_prepositions"]
        self.titles = lexicon["titles"]
        self.counterparts = lexicon["counterparts"]
        self.time_units = lexicon["time_units"]  # a duration («50 دقيقة») is no Time argument
        self.entities = entities
        self._lookups: dict[str, tuple[tuple[int, str], ...]] = {}
        self._word_flags: dict[str, int] = {}

    def _add_phrase(self, words: tuple[str, ...], trigger: Trigger) -> None:
        self.phrases.setdefault(words, trigger)
        self.longest[words[0]] = max(self.longest.get(words[0], 0), len(words))

    # --- triggers -------------------------------------------------------------------------

    def lookups(self, word: str) -> tuple[tuple[int, str], ...]:
        """(stem offset, lookup form) readings of a word as a trigger: proclitics cut off
        (a glued «ما» too), the future س and enclitic pronouns dropped for the lookup.
        Cached per word (bounded): most words are no trigger."""
        cached = self._lookups.get(word)
        if cached is not None:
            return cached
        found = []
        readings = list(proclitic_analyses(word))
        if word.startswith("ما") and len(word) > 4:  # «مارفضته»: ما glued by a typo
            readings.append((2, word[2:]))
        for cut, form in readings:
            variants = [form]
            if form.startswith("س") and form[1:2] in PRESENT_PREFIXES and len(form) > 3:
                variants.append(form[1:])  # سنرد، سيردون
            for variant in list(variants):
                variants += [
                    variant[: -len(e)]
                    for e in ENCLITICS
                    if variant.endswith(e) and len(variant) - len(e) >= 3
                ]
            verbal_ok = not any(ch in "بكل" for ch in word[:cut])  # «بتعهد» is a noun
            found += [
                (cut, v)
                for v in variants
                if (v in self.forms and (verbal_ok or not self.forms[v].verb)) or v in self.longest
            ]
        result = tuple(found)
        if len(self._lookups) < 100_000:
            self._lookups[word] = result
        return result

    def triggers(self, t: Tokens, taken: bytearray) -> list[tuple[int, int, int, Trigger]]:
        """(first word, end word, start offset, trigger): longest first, not inside entities."""
        found = []
        known = self._lookups.get
        i = 0
        while i < len(t.spans):
            word = t.texts[i]
            readings = known(word)
            if readings is None:
                readings = self.lookups(word)
            if not readings:
                i += 1
                continue
            match = None
            for cut, form in readings:
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
                i += 1
                continue
            n, cut, trigger = match
            start, end = t.spans[i][0] + cut, t.spans[i + n - 1][1]
            if taken.find(1, start, end) == -1:
                found.append((i, i + n, start, trigger))
            i += n
        return found

    # --- events ---------------------------------------------------------------------------

    def find(self, t: Tokens, entities: list[Candidate]) -> list[EventCandidate]:
        norm = t.norm
        taken = bytearray(len(norm))
        for c in entities:
            taken[c.start : c.end] = b"\x01" * (c.end - c.start)
        found = self.triggers(t, taken)
        if not found:
            return []
        known = self._word_flags.get
        flags = [known(w, -1) for w in t.texts]
        for k, value in enumerate(flags):
            if value < 0:
                flags[k] = self._flags(t.texts[k])
        doc = _Doc(t, entities, flags, self.time_units)
        bounds = [b for _, b in sentences(norm)]
        events: list[EventCandidate] = []
        for k, (i, j, start, trigger) in enumerate(found):
            end = t.spans[j - 1][1]
            sentence_end = bounds[bisect.bisect_left(bounds, end)] if end <= bounds[-1] else len(norm)
            sentence_start = bounds[bisect.bisect_left(bounds, start) - 1] if start > bounds[0] else 0
            limit_next = found[k + 1][2] if k + 1 < len(found) else len(norm)
            limit_prev = (t.spans[found[k - 1][1] - 1][1]) if k > 0 else 0
            context = _Context(doc, max(sentence_start, limit_prev), min(sentence_end, limit_next))
            realis, about = self._realis(t, i, trigger, found[:k], context)
            inherited: tuple[Candidate | None, Candidate | None] = (None, None)
            if about is not None:
                roles = dict(events[about].arguments)
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
                    f"lexicon:{trigger.type.lower()}",
                )
            )
        return events

    def _flags(self, word: str) -> int:
        """What a word is to the argument rules (a bit mask), cached per word."""
        flags = self._word_flags.get(word)
        if flags is None:
            forms = {form for _, form in proclitic_analyses(word)} | {word}
            flags = (
                (TITLE if word in self.titles or (word[1:] in self.titles and word[0] == "و") else 0)
                | (COUNTERPART if forms & self.counterparts else 0)
                | (CLAUSE if word in CLAUSE_STARTS else 0)
                | (NEUTRAL if word in ("بين", "من", "عن") else 0)
                | (PREPOSITION if word in ("علي", "ضد", "الي", "مع") else 0)
            )
            if len(self._word_flags) < 100_000:
                self._word_flags[word] = flags
        return flags

    def _realis(
        self,
        t: Tokens,
        i: int,
        trigger: Trigger,
        before: list[tuple[int, int, int, Trigger]],
        context: _Context,
    ) -> tuple[str, int | None]:
        """The realis, and (for a threatened or demanded action) the index of the event about it."""
        # a modal, condition, negation or plan among the four words right before it
        first = i
        while first > max(0, i - 4) and t.spans[first - 1][0] >= context.low and t.joined[first - 1]:
            first -= 1
        window = t.texts[first:i]
        for size in range(1, self.irrealis_longest + 1):
            for k in range(len(window) - size + 1):
                if " ".join(window[k : k + size]) in self.irrealis:
                    return "other", None
        word = t.texts[i]
        if trigger.verb and trigger.type != "THREATEN" and word[:1] == "س" and not word.startswith("سا"):
            return "other", None  # ستفرض: a future action
        if trigger.type in THREATENED and before:
            _, prev_j, _, prev = before[-1]
            if (
                prev.type in ("THREATEN", "REQUEST")
                and i - prev_j <= 6
                and not any(p in gap for gap in t.gaps[prev_j - 1 : i] for p in ".؟!\n")
            ):
                return "other", len(before) - 1  # the action a threat or a demand is about
        return "actual", None

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
        pair = ctx.between(j)
        if pair is not None:
            actor, recipient = pair
        else:
            subject = ctx.before(i, reach=3 if trigger.verb else 1)
            after = ctx.following(j)
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
        for role, found in ctx.located(j, 8):
            if all(found is not c for _, c in arguments):
                arguments.append((role, found))
        return tuple(arguments)


@dataclass(frozen=True, slots=True)
class _Following:
    entity: Candidate
    marker: str  # "" (none), "ل" (the clitic), "ب" (the clitic), "prep" (على، ضد، إلى، مع)
    distance: int  # content words between the trigger and the entity (titles do not count)
    after_title: bool
    counterpart: bool  # introduced by «ونظيره»


TITLE, COUNTERPART, CLAUSE, NEUTRAL, PREPOSITION = 1, 2, 4, 8, 16


class _Entity:
    """An entity candidate with what the argument rules ask of it (worked out when asked:
    most entities are far from any trigger)."""

    __slots__ = ("candidate", "durations", "first", "last", "t")

    def __init__(self, c: Candidate, t: Tokens, starts: list[int], durations: frozenset[str]) -> None:
        self.candidate = c
        self.t = t
        self.durations = durations
        self.first = bisect.bisect_right(starts, c.start) - 1
        self.last = bisect.bisect_left(starts, c.end) - 1

    @property
    def clitic(self) -> str:
        return self.t.norm[self.t.spans[self.first][0] : self.candidate.start]

    @property
    def marker(self) -> str:
        """How the entity is attached: "ل" or "ب" (clitics), "prep" (على، ضد، إلى، مع) or ""."""
        clitic, t, first = self.clitic, self.t, self.first
        if clitic.endswith(("ل", "ب")):
            return clitic[-1]
        if first > 0 and t.texts[first - 1] in ("علي", "ضد", "الي", "مع") and t.joined[first - 1]:
            return "prep"
        return ""

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


class _Doc:
    """Per-text tables the argument rules read: entities by word, word flags, stops."""

    def __init__(
        self, t: Tokens, entities: list[Candidate], flags: list[int], durations: frozenset[str]
    ) -> None:
        starts = [a for a, _ in t.spans]
        self.t = t
        self.n = len(starts)
        self.flags = flags
        #: the entity whose first (last) word is word k, or None
        self.first: list[_Entity | None] = [None] * self.n
        self.last: list[_Entity | None] = [None] * self.n
        for c in entities:
            e = _Entity(c, t, starts, durations)
            self.first[e.first] = e
            self.last[e.last] = e
        self.comma = ["،" in g for g in t.gaps]  # a comma after word k
        self.colon = [":" in g for g in t.gaps]


class _Context:
    """The words around one trigger, bounded by its sentence and the triggers next to it."""

    __slots__ = ("doc", "high", "low")

    def __init__(self, doc: _Doc, low: int, high: int) -> None:
        self.doc, self.low, self.high = doc, low, high

    def inside(self, e: _Entity) -> bool:
        return self.low <= e.candidate.start and e.candidate.end <= self.high

    def following(self, j: int, limit: int = 5) -> list[_Following]:
        """Entities after word j in the same clause, with how they are attached."""
        d = self.doc
        spans, n, first, high = d.t.spans, d.n, d.first, self.high
        found: list[_Following] = []
        k, distance, after_title, counterpart = j, 0, False, False
        while k < n and distance <= limit and spans[k][0] < high:
            if k > j and (d.colon[k - 1] or (d.comma[k - 1] and not d.flags[k] & COUNTERPART)):
                break
            e = first[k]
            if e is not None and self.inside(e):
                if e.candidate.label not in BRIDGE_LABELS or e.plural:
                    found.append(_Following(e.candidate, e.marker, distance, after_title, counterpart))
                k = e.last + 1
                continue
            flags = d.flags[k]
            if flags & COUNTERPART:
                counterpart = True
            elif flags & TITLE:
                after_title = True
            elif not flags & NEUTRAL:
                distance += 1
            k += 1
        return found

    def before(self, i: int, reach: int) -> Candidate | None:
        """The subject: the nearest unmarked actor entity ending within ``reach`` words before."""
        d = self.doc
        for k in range(i - 1, max(-1, i - 1 - reach), -1):
            if d.comma[k] or (d.colon[k] and k < i - 1) or d.t.spans[k][1] <= self.low:
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

    def located(self, j: int, limit: int) -> list[tuple[str, Candidate]]:
        """The first date (not a duration) after the trigger, and the first place after في or
        with ب, within ``limit`` steps of the same clause (an entity counts as one step)."""
        d = self.doc
        spans, n, first, high = d.t.spans, d.n, d.first, self.high
        found: dict[str, Candidate] = {}
        k, steps = j, 0
        while k < n and steps < limit and len(found) < 2:
            if spans[k][0] >= high or (k > j and d.comma[k - 1]):
                break
            e = first[k]
            if e is not None and self.inside(e):
                label = e.candidate.label
                if label in ("DATE", "TIME") and "Time" not in found and not e.duration:
                    found["Time"] = e.candidate
                elif (
                    label in ("GPE", "LOC", "FAC")
                    and "Place" not in found
                    and (e.marker == "ب" or (k > 0 and d.t.texts[k - 1] == "في"))
                ):
                    found["Place"] = e.candidate
                k = e.last
            k += 1
            steps += 1
        return [(role, found[role]) for role in ("Time", "Place") if role in found]
