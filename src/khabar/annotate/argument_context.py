"""What the argument rules read around one trigger: the entities after it and before it,
its place, a «بين X و Y» pair, within its sentence and the triggers next to it."""

from __future__ import annotations

from typing import Final

# the argument modules share one declaration, made with the words
from khabar.annotate.argument_tables import Entity, Following, TextTables
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
    OWNED,
    PHRASE_OPENINGS,
    PLACES,
    RECIPIENT_PREPOSITIONS,
    TIMES,
    TITLE,
)
from khabar.annotate.argument_words import LABELS as LABELS
from khabar.annotate.labels import PER
from khabar.annotate.tokens import Candidate

TIME_REACH: Final = 5  # words back to a date in the trigger's clause
BETWEEN_REACH: Final = 5  # words from a trigger to its «بين»
TITLE_REACH: Final = 3  # words a title's complement may take before the name: «رئيس المكتب السياسي لحماس»


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

    def inside(self, e: Entity) -> bool:
        return self.low <= e.candidate.start and e.candidate.end <= self.high

    def in_sentence(self, e: Entity) -> bool:
        return self.sent_low <= e.candidate.start and e.candidate.end <= self.sent_high

    def located(self, e: Entity, destination: bool) -> int:
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
        k = d.t.word_at(c.start)
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
            if following is None:
                following = self._titled_after(at.last + 1)  # «هنية ووزير الداخلية سعيد صيام»
            elif not following.conjoined:
                break
            if following is None or not self.inside(following) or following.candidate.label not in labels:
                break
            found.append(following.candidate)
            at = following
        return found

    def _titled_after(self, k: int) -> Entity | None:
        """The name after a title joined by و at word k («ووزير الداخلية سعيد صيام»، «ووزير
        خارجية قطر الشيخ محمد»)."""
        d = self.doc
        return self._titled_name(k) if d.flags[k] & TITLE and d.t.texts[k].startswith("و") else None

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
            if comma[k] or colon[k] or d.flags[k] & CLAUSE:
                break  # «في البقيعة ... وأضافت المصادر أن المروحيات دمرت»: another clause's place
            e = last[k]
            if e is not None and self.in_sentence(e):
                if self.located(e, destination) == LOCATED:
                    return e.candidate
                k = e.first - 1
            else:
                k -= 1
            steps += 1
        return None

    def after(self, j: int) -> tuple[list[Following], Candidate | None]:
        """What follows word j, in one walk over its words (an entity is one step):

        - the entities of the same clause that are not places introduced as such, with how
          they are attached (up to five content words on; a colon, or a comma not before
          «ونظيره», ends the clause);
        - the first date (not a duration) within eight steps and before a comma.
        """
        d = self.doc
        first, flags, colon, comma, texts = d.first, d.flags, d.colon, d.comma, d.t.texts
        low, high, end = self.low, self.high, self.end_word
        found: list[Following] = []
        time = None
        k, distance, steps, after_title, counterpart = j, 0, 0, False, False
        following = located = True
        prep = False  # a recipient preposition, then titles and nationalities only
        titled = 0  # words a title may still run on for
        owned = False
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
                    if following and titled and self.affiliation(e):
                        after_title = True  # «الأمين العام للأمم المتحدة كوفي أنان»: whose title
                        k = e.last + 1
                        steps += 1
                        continue
                    if (
                        following
                        and (label not in BRIDGE_LABELS or e.plural)
                        and (label not in PLACES or not self.located(e, False))
                    ):
                        agent = k >= 2 and (texts[k - 2], texts[k - 1]) in (("علي", "يد"), ("من", "قبل"))
                        found.append(Following(e, distance, after_title, counterpart or owned, agent, prep))
                    if label not in BRIDGE_LABELS:
                        prep = False
                    titled, owned = 0, False
                    if located and label in TIMES and time is None and not e.duration:
                        time = c
                    k = e.last + 1
                    steps += 1
                    continue
            if following:
                word = flags[k]
                owned = bool(word & OWNED)  # «منزل X»: X undergoes it, as «نظيره X» receives it
                if texts[k] in RECIPIENT_PREPOSITIONS:
                    prep = True
                elif word & TITLE:
                    titled = TITLE_REACH
                elif titled:
                    titled -= 1  # the title's own words: «رئيس المكتب السياسي لحماس خالد مشعل»
                else:
                    prep = False
                if word & COUNTERPART:
                    counterpart = True
                elif word & TITLE:
                    after_title = True
                elif not word & (NEUTRAL | OWNED):
                    distance += 1
            k += 1
            steps += 1
        return found, time

    def affiliation(self, e: Entity) -> bool:
        """A name that only says whose a title is, a person's name right after it («وزير
        خارجية قطر الشيخ محمد»، «رئيس المكتب السياسي لحماس خالد مشعل»)."""
        if e.candidate.label == PER:
            return False
        d = self.doc
        k = e.last + 1
        while k < self.end_word and d.flags[k] & TITLE and k <= e.last + 2:
            k += 1
        following = d.first[k] if k < self.end_word else None
        return following is not None and self.inside(following) and following.candidate.label == PER

    def time_before(self, i: int) -> Candidate | None:
        """A date in the trigger's clause before it, where none follows: «أجرى شيراك أمس
        محادثات»، «قصف إسرائيلي الأربعاء أدى إلى استشهاد»."""
        d = self.doc
        k = i - 1
        while k >= max(self.first_word, i - TIME_REACH):
            if d.comma[k] or d.colon[k] or d.flags[k] & CLAUSE:
                return None
            e = d.last[k]
            if e is not None:
                if not self.inside(e):
                    return None
                if e.candidate.label in TIMES and not e.duration:
                    return e.candidate
                k = e.first
            k -= 1
        return None

    def before(self, i: int, reach: int) -> Candidate | None:
        """The subject: the nearest unmarked actor entity ending within ``reach`` words before
        (a date between does not count: «أجرى شيراك أمس محادثات»)."""
        d = self.doc
        k = i - 1
        while k >= max(self.first_word, i - reach):
            if d.bracket[k] and k + 1 == i:
                k = self._aliased(k)  # «حركة المقاومة الإسلامية ( حماس ) ستقبل»: the name before
                if k < 0:
                    break
                reach += i - 1 - k
            elif d.comma[k] or d.bracket[k] or (d.colon[k] and k < i - 1):
                break
            if d.flags[k] & CLAUSE:
                break  # «روته أن الحلف سيعزز»: the subject is in another clause
            e = d.last[k]
            if e is not None and self.inside(e):
                if e.candidate.label in TIMES:
                    reach += e.last - e.first + 1
                    k = e.first - 1
                    continue
                if e.candidate.label in ACTORS:
                    if e.marker != "" or self.located(e, False):
                        return None  # «وفي بغداد اختطف»: a place, no subject
                    return e.candidate
            k -= 1
        return None

    def governing_subject(self, i: int) -> Candidate | None:
        """The subject of the verb a nominal trigger at word ``i`` depends on, three words
        before it at most: «منظمة حقوق الإنسان التركية في تظاهرة»، «إيران مستعدة للموافقة»،
        «حث اسرائيل ولبنان على تقديم تنازلات». Not across a word that starts another phrase
        (PHRASE_OPENINGS: «مدينة كربلاء بعد التوصل لاتفاق») or a dash («كوريا الشمالية - في»)."""
        subject = self.before(i, reach=3)
        if subject is None:
            return None
        d, k = self.doc, i - 1
        while k >= 0 and "-" not in d.t.gaps[k]:  # ``before`` found it: the walk ends at its last word
            e = d.last[k]
            if e is not None and e.candidate is subject:
                return subject
            if d.t.texts[k] in PHRASE_OPENINGS:
                break
            k -= 1
        return None

    def _aliased(self, k: int) -> int:
        """The last word of the name an entity in brackets ending at word k stands for
        («حركة المقاومة الإسلامية ( حماس )»), or -1 (a headline's «( الفرنسية )»)."""
        d = self.doc
        e = d.last[k]
        if e is None or e.first == 0 or not d.bracket[e.first - 1] or not self.inside(e):
            return -1
        named = d.last[e.first - 1]
        return e.first - 1 if named is not None and named.candidate.label == e.candidate.label else -1

    def between(self, j: int) -> tuple[Candidate, Candidate | None] | None:
        """«بين X و Y» after the trigger (its place may come first: «اجتماع في السراي بين»):
        X acts, Y receives; each may come after its title («بين الرئيس السنيورة ووفد الأمم
        المتحدة»), and Y may be no name the drafts know."""
        d = self.doc
        if not d.between:
            return None
        for k in range(j, min(j + BETWEEN_REACH, self.end_word - 1)):
            if d.comma[k - 1] and k > j:
                return None
            if d.t.texts[k] == "بين" and d.t.texts[k - 1] != "من":  # «من بين»: among
                first = self._titled_name(k + 1)
                if first is None:
                    return None
                k = first.last + 1
                if k >= self.end_word or not d.t.texts[k].startswith("و"):
                    return None  # «وY»، «ووفد Y»: the second of the pair
                second = self._titled_name(k)
                return first.candidate, second.candidate if second is not None else None
        return None

    def _titled_name(self, k: int) -> Entity | None:
        """The actor named at word k, after its title if it has one («الرئيس السنيورة»،
        «منسق السياسة الخارجية بالاتحاد الأوروبي خافيير سولانا»)."""
        d = self.doc
        titled = 0
        start = k
        while k < self.end_word and k < start + 2 * TITLE_REACH:
            if k > start and (d.comma[k - 1] or d.colon[k - 1]):
                return None
            e = d.first[k]
            if e is not None:
                if not self.inside(e):
                    return None
                if e.candidate.label in ACTORS and not (titled and self.affiliation(e)):
                    return e
                k = e.last + 1
                continue
            if d.flags[k] & TITLE or k == start:  # a title, or a head noun: «ووفد الأمم المتحدة»
                titled = TITLE_REACH
            elif titled:
                titled -= 1
            else:
                return None  # «بين الحين والآخر»: no name
            k += 1
        return None
