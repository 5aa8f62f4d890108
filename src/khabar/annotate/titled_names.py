"""People no list knows, named after a title: two or three words that no list, lexicon or
trigger reading claims («وزير الداخلية الألماني فولفجانج شويبل»), told from the verb and
object that may follow a title as well («وزير الخارجية الروسي جدد موقف بلاده»)."""

from __future__ import annotations

from collections.abc import Callable

from khabar.annotate.labels import NORP, PER, RuleLabels
from khabar.annotate.people import ALI, COMMON_WORDS, SON_OF, SPEECH_VERBS, PersonRules
from khabar.annotate.tokens import Candidate, Tokens, WordInfo, among
from khabar.text.clitics import proclitic_analyses

LABELS = RuleLabels("the unknown-name rule", __name__, produces=(PER,), reads=(NORP,))


class TitledUnknownNames:
    """The rule, with the person rules' title cues and whether a word reads as an event
    trigger (:meth:`~khabar.annotate.entities.EntityFinder.event_word`)."""

    def __init__(self, people: PersonRules, event_word: Callable[[str], bool]) -> None:
        self.people = people
        self.event_word = event_word

    def find(self, t: Tokens, infos: list[WordInfo]) -> list[Candidate]:
        """Two words no list claims for anything else after a definite title or role, a
        two-word one, or a nationality after one: «وزير الداخلية الألماني فولفجانج شويبل»،
        «رئيس الوزراء جيريجا براساد كويرالا» (and a third, see :meth:`_third_name`). Two
        at least, as one word after a title is as often a verb («الرئيس الأمريكي قرر»), the
        first not shaped as one (:func:`not_verb`) and the second not a present; not after
        an indefinite title, whose next word is what it heads («رئيس مجموعة»، «مدير
        مستشفى»); none of them a word the rules know: a trigger, a date, a title."""
        found = []
        texts, joined, n = t.texts, t.joined, len(t.texts)
        # a title starts one to four words before (a nationality and a complement between):
        # titles are few, so most words are never looked at
        after_titles = sorted(
            {i for k, info in enumerate(infos) if info.title for i in range(k + 1, min(k + 5, n - 1))}
        )
        for i in after_titles:
            first, second = texts[i], texts[i + 1]
            if not joined[i] or not not_verb(first) or second[:1] in ("ي", "ت"):
                continue
            if not (self.unknown_word(first, infos[i]) and self.unknown_word(second, infos[i + 1])):
                continue
            if not self._definite_cue(t, i):
                continue
            end = i + 2
            if end < len(texts) and joined[end - 1] and self._third_name(texts[end], infos[end]):
                end += 1
            found.append(Candidate(t.spans[i][0], t.spans[end - 1][1], PER, 0.55, "rule:title+unknown-name"))
        return found

    def _definite_cue(self, t: Tokens, i: int) -> bool:
        """A person cue that ends a title: not an indefinite title word right before word
        ``i``, the head of what follows it («رئيس مجموعة عطية»)."""
        people = self.people
        before = t.previous(i)
        if among(before, people.titles) and not any(
            f.startswith("ال") for _, f in proclitic_analyses(before)
        ):
            return among(t.previous(i, 2), people.titles)  # «رئيس الوزراء» is one
        return people.person_cue(t, i)

    def unknown_word(self, word: str, info: WordInfo) -> bool:
        """A word that may be part of a name and that no list, lexicon or trigger reading
        claims as something else."""
        people = self.people
        return (
            len(word) > 2
            and word.isalpha()
            and not word.startswith(("ال", "و", "بال", "فال", "كال", "لل", "لي", "لت"))  # «ليقرر»
            and (not info.readings or people.may_be_person(word))
            and info.head is None
            and not info.anchors
            and not info.title
            and word not in people.function_words
            and word not in people.title_firsts
            and word not in SPEECH_VERBS
            and word not in COMMON_WORDS
            and word not in SON_OF
            and word != ALI
            and not self.event_word(word)
        )

    def _third_name(self, word: str, info: WordInfo) -> bool:
        """A listed surname, or an unknown word that does not open as a verb does (ي، ت، or ا
        for أ/إ/ا: «كاتس استمر») nor behind «ب» («سعيد صيام بمقر الرئاسة»، «رايس بالمواجهة»)."""
        listed = self.people.listed_surname(word)
        return listed or (word[:1] not in ("ب", "ي", "ت", "ا") and self.unknown_word(word, info))


def not_verb(word: str) -> bool:
    """Whether a word after a title is not shaped as the verb of an SVO sentence («وزير
    الخارجية الروسي جدد موقف بلاده»): four letters or more (a bare root is three), not opening
    as the derived forms (ا for أ/إ/ا، ت) or the present (ي) do, not فاعل («طالب»، «ناقش»)."""
    return len(word) > 3 and word[:1] not in ("ا", "ت", "ي") and not (len(word) == 4 and word[1] == "ا")
