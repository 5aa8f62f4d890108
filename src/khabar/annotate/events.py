"""The event finder: PLOVER triggers in a text whose entities are found, their realis and arguments.

Triggers come from the lexicon (``khabar.annotate.triggers``): verbs in their past and
present forms (with the future س, inside the span), verbal nouns, and multiword triggers.
The realis comes from the words before a trigger (a modal, a negation, a threat it is the
action of), and the arguments from the entities of the same sentence
(``khabar.annotate.arguments``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from khabar.annotate.argument_context import TriggerContext
from khabar.annotate.argument_tables import Durations, TextTables
from khabar.annotate.argument_words import (
    CLAUSE,
    CLAUSE_STARTS,
    COUNTERPART,
    DESCRIPTOR,
    DESCRIPTOR_WORDS,
    DESTINATION,
    DESTINATION_WORDS,
    DIRECTION,
    DIRECTION_WORDS,
    IRREALIS,
    LOCATIVE,
    LOCATIVE_WORDS,
    NEUTRAL,
    OWNED,
    TITLE,
)
from khabar.annotate.arguments import arguments
from khabar.annotate.gazetteer import Lexicon, normalised_words
from khabar.annotate.labels import (
    ACTOR,
    ASSAULT,
    COERCE,
    MOBILIZE,
    RECIPIENT,
    REQUEST,
    SANCTION,
    THREATEN,
    WHEN,
    RuleLabels,
)
from khabar.annotate.tokens import Candidate, Tokens
from khabar.annotate.triggers import Readings, Trigger, TriggerLexicon
from khabar.runtime.memo import remember
from khabar.text.analysis import sentence_ends
from khabar.text.clitics import proclitic_analyses

LABELS = RuleLabels(
    "the event rules",
    __name__,
    events=(THREATEN, REQUEST, SANCTION, ASSAULT, MOBILIZE, COERCE),
    roles=(ACTOR, RECIPIENT, WHEN),
)

THREATENED: Final = (SANCTION, ASSAULT, MOBILIZE, COERCE)  # what a threat or demand may be of
THREATS: Final = (THREATEN, REQUEST)
#: «قد» before a past verb asserts (قد قصفت: it did strike); before a present it hedges (قد تفرض)
JOINED_REACH: Final = 8  # words from a verb to the verb joined to it
ASSERTING: Final = frozenset({"قد", "وقد", "فقد", "لقد"})
SENTENCE_MARKS: Final = ".؟!\n"  # between words: another sentence
CLAUSE_MARKS: Final = SENTENCE_MARKS + "،,;:"  # ... or another clause
VERB_BREAKS: Final = CLAUSE_MARKS + "()"  # ... or a bracket: what ends verbs joined by و or ف
# After a nominal trigger, what makes it a prospect: a modal («العقوبات يجب أن تقر»)
MODALS_AFTER: Final = frozenset({"يجب", "ينبغي", "لن", "سوف"})
# ... or a verb in the future (س + ي، ت، ن), but for these nouns (normalised)
FUTURE_LOOKALIKES: Final = frozenset(
    {
        *("سياسه", "سياسي", "سياسيه", "سياسات", "سياحه", "سياحي", "سياره", "سيارات", "سيطره"),
        *("سياده", "سيناء", "سينما", "سنوات", "سنويه"),
    }
)


def _flag_table(lists: list[tuple[Iterable[str], int]]) -> dict[str, int]:
    """Each word of the lists and its flags: those of every list it is in."""
    table: dict[str, int] = {}
    for words, flag in lists:
        for word in words:
            table[word] = table.get(word, 0) | flag
    return table


class EventCandidate:
    """An event in analysis-view offsets; arguments point at entity candidates.

    A plain class, as :class:`Candidate` is: compiled (mypyc), it is made and its fields
    read without a Python call (a named tuple's ``__new__`` is Python code).
    """

    __slots__ = ("arguments", "end", "realis", "rule", "score", "start", "type")

    def __init__(
        self,
        start: int,
        end: int,
        type: str,
        realis: str,
        arguments: tuple[tuple[str, Candidate], ...],
        score: float,
        rule: str,
    ) -> None:
        self.start = start
        self.end = end
        self.type = type
        self.realis = realis
        self.arguments = arguments
        self.score = score
        self.rule = rule

    def _fields(self) -> tuple[int, int, str, str, tuple[tuple[str, Candidate], ...], float, str]:
        return (self.start, self.end, self.type, self.realis, self.arguments, self.score, self.rule)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, EventCandidate) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return f"EventCandidate{self._fields()}"


class EventFinder:
    """Finds events in a text whose entities are already found."""

    def __init__(self, triggers: TriggerLexicon, lexicon: Lexicon) -> None:
        self.lexicon = triggers
        self.irrealis = lexicon["irrealis"] | {c + w for c in "وف" for w in lexicon["irrealis"]}
        self.irrealis_longest = max((len(p.split()) for p in self.irrealis), default=1)
        self.recipient_prepositions = lexicon["recipient_prepositions"]
        # a duration («50 دقيقة»، «لمدة 90 يوما») is no Time argument
        self.durations = Durations(
            lexicon["time_units"] | lexicon["duration_units"], lexicon["counted_from_now"]
        )
        # A word's flags are those of the word and of each form it may be read as (behind
        # proclitics): looked up in two tables, one dict lookup per form, instead of a set of
        # forms made and intersected with each word list.
        form_lists: list[tuple[Iterable[str], int]] = [
            (lexicon["counterparts"], COUNTERPART),
            (lexicon["owned"], OWNED),
            (normalised_words(LOCATIVE_WORDS), LOCATIVE),
            (normalised_words(DESCRIPTOR_WORDS), DESCRIPTOR),
            (normalised_words(DIRECTION_WORDS), DIRECTION),
        ]
        # every word of a title: «الأمين العام للأمم المتحدة كوفي أنان» is a title chain too
        titles = {w for title in lexicon["titles"] for w in title.split()}
        self._form_flags = _flag_table(form_lists)
        self._word_flags = _flag_table(
            [
                *form_lists,  # the word itself is one of its forms
                (titles | {"و" + w for w in titles}, TITLE),
                (CLAUSE_STARTS, CLAUSE),
                (("بين", "من", "عن"), NEUTRAL),
                ({p.split()[0] for p in self.irrealis}, IRREALIS),
                (normalised_words(DESTINATION_WORDS), DESTINATION),
            ]
        )
        self._words: dict[str, tuple[Readings, int]] = {}

    # --- words ----------------------------------------------------------------------------

    def word(self, word: str) -> tuple[Readings, int]:
        """A word's trigger readings and flags (what an entity finder keeps for us)."""
        return self.lexicon.lookups(word), self._flags(word)

    def words(self, t: Tokens) -> tuple[list[Readings], list[int]]:
        """Each word's trigger readings and flags, cached per word (bounded): most words
        come back often and most are no trigger."""
        infos = t.infos  # an entity finder made with ``also=self.word`` has looked them up
        found: list[tuple[Readings, int]] = (
            [info.also or self._cached(t.texts[k]) for k, info in enumerate(infos)]
            if infos is not None
            else [self._cached(word) for word in t.texts]
        )
        # comprehensions, not appends: compiled, they fill lists made at their final size
        return [f[0] for f in found], [f[1] for f in found]

    def _cached(self, word: str) -> tuple[Readings, int]:
        found = self._words.get(word)
        if found is None:
            found = remember(self._words, word, self.word(word))
        return found

    def _flags(self, word: str) -> int:
        """What a word is to the realis and argument rules (a bit mask)."""
        flags = self._word_flags.get(word, 0)
        form_flags = self._form_flags
        for _, form in proclitic_analyses(word):
            flags |= form_flags.get(form, 0)
        return flags

    # --- events ---------------------------------------------------------------------------

    def find(
        self, t: Tokens, entities: list[Candidate], found: list[tuple[int, int, int, Trigger]] | None = None
    ) -> list[EventCandidate]:
        """Events of a text whose entities (sorted, not overlapping) are found already, at
        the lexicon's triggers or at ``found`` (a model's merged with them, in text order)."""
        norm = t.norm
        readings, flags = self.words(t)
        if found is None:
            found = self.lexicon.find(t, entities, readings)
        if not found:
            return []
        doc = TextTables(t, entities, flags, self.durations)
        bounds = sentence_ends(norm)  # the last one is len(norm)
        spans, starts = t.spans, t.starts
        events: list[EventCandidate] = []
        previous = None
        # Triggers come in text order, and so do their sentences and contexts: each of these
        # indices only moves forward, one walk over the text for all triggers.
        after_start = after_end = 0  # the first sentence end at or after the trigger's start (end)
        first_word = end_word = 0  # the first word starting at or after the context's low (high)
        sent_first = sent_end = 0  # the first word starting at or after the sentence's start (end)
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
            sentence_end = bounds[after_end]
            while sent_first < len(starts) and starts[sent_first] < sentence_start:
                sent_first += 1
            while sent_end < len(starts) and starts[sent_end] < sentence_end:
                sent_end += 1
            sentence = (sentence_start, sentence_end, sent_first, sent_end)
            context = TriggerContext(doc, low, high, first_word, end_word, sentence)
            realis, threatened = self._realis(t, i, j, trigger, previous, context, readings[i])
            previous = found[k]
            inherited: tuple[Candidate | None, Candidate | None] = (None, None)
            shared: tuple[Candidate | None, Candidate | None] = (None, None)
            if threatened:
                roles = dict(events[-1].arguments)
                inherited = (roles.get(ACTOR), roles.get(RECIPIENT))
            elif k > 0 and self._joined_verbs(t, found[k - 1], i, trigger, sentence_start):
                roles = dict(events[-1].arguments)
                shared = (roles.get(ACTOR), roles.get(WHEN))
            events.append(
                EventCandidate(
                    start,
                    end,
                    trigger.type,
                    realis,
                    arguments(context, i, j, trigger, inherited, shared),
                    trigger.score,
                    trigger.rule,
                )
            )
        return events

    @staticmethod
    def _joined_verbs(
        t: Tokens, previous: tuple[int, int, int, Trigger], i: int, trigger: Trigger, sentence_start: int
    ) -> bool:
        """A verb joined by و or ف to the verb trigger just before it, in its clause, shares
        its subject and time: «قتلت قوات الأمن اثنين واعتقلت 16»، «اقتحمت فجر أمس أريحا واعتقلت»."""
        _, prev_j, prev_start, prev = previous
        return (
            trigger.verb
            and prev.verb
            and prev_start >= sentence_start
            and t.texts[i][:1] in ("و", "ف")
            and i - prev_j <= JOINED_REACH
            and not any(p in gap for gap in t.gaps[prev_j - 1 : i] for p in VERB_BREAKS)
        )

    def _realis(
        self,
        t: Tokens,
        i: int,
        j: int,
        trigger: Trigger,
        previous: tuple[int, int, int, Trigger] | None,
        context: TriggerContext,
        readings: Readings,
    ) -> tuple[str, bool]:
        """The realis, and whether the event is the action the previous one threatens or demands
        (whose Actor and Recipient it then takes, for the types a threat is usually of)."""
        # a modal, condition, negation or plan among the four words right before it
        first, lowest, joined = i, max(context.first_word, i - 4), t.joined
        while first > lowest and joined[first - 1]:
            first -= 1
        flags = context.doc.flags
        past = trigger.verb and any(form in self.lexicon.past for _, form in readings)
        for k in range(first, i):
            if flags[k] & IRREALIS:
                for size in range(1, min(self.irrealis_longest, i - k) + 1):
                    marker = " ".join(t.texts[k : k + size])
                    if marker in self.irrealis and not (past and marker in ASSERTING):
                        return "other", False
        word = t.texts[i]
        if trigger.verb and trigger.type != THREATEN and word[:1] == "س" and not word.startswith("سا"):
            return "other", False  # ستفرض: a future action
        if not trigger.verb and _prospect_after(t, j, context.end_word):
            return "other", False
        if previous is not None and trigger.type not in THREATS:
            _, prev_j, _, prev = previous
            usual = trigger.type in THREATENED  # what a threat is usually of (تهدد بعقوبات)
            # another action a demand is about stays in its clause (يطلب منه إرسال مساعدات)
            ends = SENTENCE_MARKS if usual else CLAUSE_MARKS
            if (
                prev.type in THREATS
                and i - prev_j <= 6
                and not any(p in gap for gap in t.gaps[prev_j - 1 : i] for p in ends)
            ):
                return "other", usual
        return "actual", False


def _prospect_after(t: Tokens, j: int, end: int) -> bool:
    """Whether the words after a nominal trigger ending before word ``j`` (its adjective,
    «التي») lead, in its clause, to a modal or a verb in the future, «قد» and a present:
    «إن العقوبات ستطاول»، «المحادثات " ستبدأ اليوم "»، «عقوبات اقتصادية قد تفرض عليه»."""
    texts, gaps = t.texts, t.gaps
    for k in range(j, min(j + 3, end, len(texts))):
        if any(p in gaps[k - 1] for p in CLAUSE_MARKS):
            return False
        word = texts[k]
        if word in MODALS_AFTER or (word == "قد" and k + 1 < len(texts) and texts[k + 1][:1] in ("ي", "ت")):
            return True
        if len(word) > 4 and word[0] == "س" and word[1] in ("ي", "ت", "ن") and word not in FUTURE_LOOKALIKES:
            return True
    return False
