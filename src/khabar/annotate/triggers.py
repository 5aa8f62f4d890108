"""The event trigger lexicon: the written forms of its verbs and nouns, and triggers found with it.

The lexicon (``khabar/data/lexicon/events.yaml``) lists, per event type, verbs by their
past (and present), verbal nouns and multiword phrases; every form news writes them in is
generated here once: past and present persons, the future س, the article, a taa marbuta
before an enclitic. Proclitics stay outside a trigger and enclitic pronouns inside (رفضته).
A many-sensed word (its ``senses``) is a trigger only where the words beside it do not point
to its other sense (ضرب مثلا، فجر اليوم، بموجب الاتفاق).
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from khabar.annotate.gazetteer import EVENTS_FILE, normalised_words, words_of
from khabar.annotate.tokens import Candidate, Tokens
from khabar.errors import InputError, SchemeError
from khabar.text.clitics import proclitic_analyses

Readings = tuple[tuple[int, str], ...]  # (stem offset, lookup form) of a word
PRESENT_PREFIXES: Final = ("ي", "ت", "ن", "ا")
ENCLITICS: Final = ("هما", "هم", "هن", "ها", "كم", "نا", "ه")
HAMZAS = ("أ", "ء", "ئ", "ؤ")


def verb_forms(spec: str) -> set[str]:
    """Written forms of a verb given as ``past`` or ``past/present`` (normalised).

    Undiacritised, a passive is written as its active (قتل، يقتل، اعتقل), or is given as
    the verb (أصيب/يصاب). Besides the persons of the past and present: the subjunctive and
    jussive plural (أن يتظاهروا) and the plural before an enclitic (قتلوه، يقتلوه), and for
    a weak last radical the plural without it (يدعو -> يدعون، يعتدي -> يعتدون).
    """
    return past_forms(spec) | present_forms(spec)


def past_forms(spec: str) -> set[str]:
    """The past's persons of a verb given as ``past`` or ``past/present`` (normalised)."""
    written = spec.partition("/")[0].strip()
    past = " ".join(words_of(written))
    forms = {past}
    # a final hamza is a strong radical, though normalised to a long vowel: هنأ -> هنأت، هنأوا
    if past.endswith(("ا", "ي")) and not written.endswith(HAMZAS):  # دعا، التقى: دعت، دعوا
        forms |= {past[:-1] + "ت", past[:-1] + "وا"}  # not دعو+ه: «عبوة» would be عبأ
        if past.endswith("ي"):  # لقي، رمى (the same letters once normalised): لقيت
            forms.add(past + "ت")
    else:
        forms |= {past + ending for ending in ("ت", "وا", "ا", "تا", "ن", "نا", "و")}
    return forms


def present_forms(spec: str) -> set[str]:
    """The present's persons of a verb given as ``past`` or ``past/present`` (normalised)."""
    past, _, present = spec.partition("/")
    hamza = (present or past).strip().endswith(HAMZAS)  # يهنئ، يبدأ: no weak last radical
    past = " ".join(words_of(past))
    if present:
        stem = " ".join(words_of(present))[1:]  # drop the present prefix
    elif past.startswith("ا") and len(past) > 3:  # forms IV, VII, VIII, X: أعلن/يعلن، انسحب/ينسحب
        stem = past[1:]
    else:
        stem = past
    forms = set()
    weak = stem.endswith(("و", "ي")) and len(stem) > 2 and not hamza
    for prefix in PRESENT_PREFIXES:
        forms |= {prefix + stem, prefix + stem + "ان"}
        if weak:  # يدعو، يعتدي: يدعون، يعتدون، أن يدعوا
            forms |= {prefix + stem[:-1] + ending for ending in ("ون", "ين", "وا")}
        else:
            forms |= {prefix + stem + ending for ending in ("ون", "ين", "وا", "و")}
    return forms


def noun_forms(noun: str) -> set[str]:
    """Written forms of a verbal noun or noun (normalised): with and without the article,
    a final taa marbuta as ت and a final hamza on a ya before an enclitic (مداهمته ->
    مداهمت، لقائها -> لقائ). An accusative
    (هجوما) is listed where it is wanted: «احتجاجا على» gives a reason, not an event."""
    base = " ".join(words_of(noun))
    forms = {base, "ال" + base}
    if " " not in base and base.endswith("ه") and len(base) > 3:  # taa marbuta, normalised
        forms.add(base[:-1] + "ت")
    if " " not in base and base.endswith("اء") and len(base) > 3:  # لقاء: لقائه، اعتداءاتهم
        forms.add(" ".join(words_of(base[:-1] + "ئ")))  # the hamza sits on a ya: لقائها
    return forms


def _past(spec: str) -> str:
    return " ".join(words_of(spec.partition("/")[0]))


@dataclass(frozen=True, slots=True)
class OtherSense:
    """The words next to a many-sensed form that say it is not the event: ضرب *مثلا* (set an
    example), *صلاة* الفجر (dawn), *بموجب* الاتفاق (a treaty already made)."""

    next_words: frozenset[str] = frozenset()
    #: words that point to the other sense anywhere in the next AFTER words (VSO: احتل
    #: المنتخب المركز الأول), within the clause
    after_words: frozenset[str] = frozenset()
    previous_words: frozenset[str] = frozenset()

    def __or__(self, other: OtherSense) -> OtherSense:
        return OtherSense(
            self.next_words | other.next_words,
            self.after_words | other.after_words,
            self.previous_words | other.previous_words,
        )

    def says(self, previous: str, following: list[str]) -> bool:
        return (
            previous in self.previous_words
            or bool(following and following[0] in self.next_words)
            or any(word in self.after_words for word in following)
        )


AFTER: Final = 3  # how many words after a many-sensed form its context reaches
SENSE_WORDS = ("verb", "noun", "form", "phrase")
SENSE_KEYS = {*SENSE_WORDS, "unless_next", "unless_after", "unless_previous", "except_forms"}


def _sense_source(etype: str) -> str:
    return f"khabar/data/lexicon/{EVENTS_FILE}*.yaml: {etype}: senses"


def _checked_sense(etype: str, sense: Any) -> dict[str, Any]:
    """A ``senses`` entry, or an error naming its type: one of verb, noun, form and known keys."""
    words = [sense.get(k) for k in SENSE_WORDS] if isinstance(sense, dict) else []
    if len([w for w in words if w]) != 1 or set(sense) - SENSE_KEYS:
        raise InputError(
            f"{_sense_source(etype)}: expected one of verb, noun, form, phrase with unless_next /"
            f" unless_after / unless_previous, got {sense!r}"
        )
    return dict(sense)


@dataclass(frozen=True, slots=True)
class Trigger:
    type: str
    verb: bool
    score: float
    rule: str
    #: who undergoes it is its subject (a verb: أصيب، استشهد) or its genitive (a noun: مقتل X)
    undergoer: bool = False


class TriggerLexicon:
    """Every written form of the lexicon's triggers, and the triggers of a text."""

    def __init__(self, triggers: dict[str, Any]) -> None:
        #: the event types the lexicon gives triggers of
        self.types = tuple(triggers)
        self.forms: dict[str, Trigger] = {}
        self.phrases: dict[tuple[str, ...], Trigger] = {}
        self.longest: dict[str, int] = {}
        #: lookup forms of many-sensed words, and the context of their other senses
        self.other_senses: dict[str, OtherSense] = {}
        #: the verbs' past forms: «قد» before one says it happened (قد قصفت), not that it may
        self.past: set[str] = set()
        for etype, spec in triggers.items():
            score = float(spec.get("score", 0.6))
            verbal = Trigger(etype, True, score, f"lexicon:{etype.lower()}")
            nominal = Trigger(etype, False, score, verbal.rule)
            # the verbs (nouns) whose subject (genitive) is who undergoes the event
            passive = {str(u) for u in spec.get("passive", [])}
            genitive = {str(u) for u in spec.get("patient_genitive", [])}
            verbal_u = Trigger(etype, True, score, verbal.rule, True)
            nominal_u = Trigger(etype, False, score, verbal.rule, True)
            for verb in spec.get("verbs", []):
                self.past |= past_forms(verb)
                for form in verb_forms(verb):
                    self.forms.setdefault(form, verbal_u if verb in passive else verbal)
            for noun in spec.get("nouns", []):
                for form in noun_forms(noun):
                    self.forms.setdefault(form, nominal_u if noun in genitive else nominal)
            for sense in map(functools.partial(_checked_sense, etype), spec.get("senses", [])):
                self._add_sense(etype, sense, verbal_u if sense.get("verb") in passive else verbal, nominal)
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

    def _add_sense(self, etype: str, sense: dict[str, Any], verbal: Trigger, nominal: Trigger) -> None:
        """A many-sensed ``verb``, ``noun`` or lexicon ``form``, with the next and previous
        words that point to its other sense; ``except_forms``: forms left out altogether."""
        # unless_next: the next word; unless_after: one of the next AFTER words
        other = OtherSense(
            normalised_words(sense.get("unless_next")),
            normalised_words(sense.get("unless_after")),
            normalised_words(sense.get("unless_previous")),
        )
        verb, noun, form, phrase = (sense.get(k) for k in SENSE_WORDS)
        if phrase:  # a multiword trigger, its context keyed by its words (اطلاق النار)
            words = words_of(str(phrase))
            self._add_phrase(words, nominal)
            key = " ".join(words)
            self.other_senses[key] = self.other_senses.get(key, OtherSense()) | other
            return
        if verb:
            forms = verb_forms(verb) - normalised_words(sense.get("except_forms"))
            self.past |= past_forms(verb) & forms
        elif noun:
            forms = noun_forms(noun)
        else:
            forms = {" ".join(words_of(str(form)))}
        for written in forms:
            if form and written not in self.forms:
                raise InputError(f"{_sense_source(etype)}: {form} is no form of the lexicon's triggers")
            self.forms.setdefault(written, verbal if verb else nominal)
            self.other_senses[written] = self.other_senses.get(written, OtherSense()) | other

    def _add_phrase(self, words: tuple[str, ...], trigger: Trigger) -> None:
        self.phrases.setdefault(words, trigger)
        self.longest[words[0]] = max(self.longest.get(words[0], 0), len(words))

    def check(self, events: Iterable[str], where: str) -> None:
        """Fail unless ``where`` (the scheme) defines every event type the lexicon lists."""
        defined = set(events)
        for etype in self.types:
            if etype not in defined:
                raise SchemeError(
                    f"the event trigger lexicon (khabar/data/lexicon/{EVENTS_FILE}*.yaml) lists {etype},"
                    f" which {where} does not define as an event type",
                    hint=f"add {etype} to the events of {where}, or load the annotator without events",
                )

    def lookups(self, word: str) -> Readings:
        """(stem offset, lookup form) readings of a word as a trigger: proclitics cut off
        (a glued «ما» too), the future س and enclitic pronouns dropped for the lookup."""
        found = []
        readings = proclitic_analyses(word)
        if word.startswith("ما") and len(word) > 4:  # «مارفضته»: ما glued by a typo
            readings = (*readings, (2, word[2:]))
        openings = self.openings
        for cut, form in readings:
            # startswith, not form[:1]: an Arabic letter sliced off is a new string each time
            if form[:2] not in openings and not (form.startswith("س") and form[1:3] in openings):
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

    def find(
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
                if match is None:
                    single = self.forms.get(form)  # one lookup, not ``in`` then ``[]``
                    if single is not None:
                        match = (1, cut, single)
                if match:
                    break
            if match is None:
                continue
            n, cut, trigger = match
            key = form if n == 1 else " ".join((form, *t.texts[i + 1 : i + n]))
            other = self.other_senses.get(key)
            if other is not None:
                previous = t.texts[i - 1] if i and t.joined[i - 1] else ""
                following = t.texts[i + n : i + n + AFTER]
                for k in range(len(following)):  # the clause: up to a punctuation mark
                    if not t.joined[i + n - 1 + k]:
                        following = following[:k]
                        break
                if other.says(previous, following):
                    continue
            start, end = t.spans[i][0] + cut, t.spans[i + n - 1][1]
            # entities are sorted and apart: only the last one starting before ``end`` may overlap
            before = bisect.bisect_left(entity_starts, end) - 1
            if before < 0 or entities[before].end <= start:
                found.append((i, i + n, start, trigger))
            free = i + n
        return found
