"""People no list knows, named after a title: two or three words that no list, lexicon or
trigger reading claims («وزير الداخلية الألماني فولفجانج شويبل»), told from the verb and
object that may follow a title as well («وزير الخارجية الروسي جدد موقف بلاده»)."""

from __future__ import annotations

from collections.abc import Callable

from khabar.annotate.labels import NORP, PER, RuleLabels
from khabar.annotate.people import (
    ALI,
    NAME_OPENINGS,
    PRESENT,
    SON_OF,
    SPEECH_VERBS,
    PersonRules,
)
from khabar.annotate.tokens import Candidate, Tokens, WordInfo, among
from khabar.text.clitics import CONJUNCTIONS, proclitic_analyses

DEFINITE = ("ال", "وال", "فال", "بال", "لل")  # the article, behind a proclitic too
# attached pronouns, which no name ends with: «باسمها»، «جولتها»، «زملائهم»
PRONOUN_ENDINGS = ("ها", "هم", "هما", "كم")

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
        # a title starts one to four words before (a nationality and a complement between), a
        # nationality that stands for a person right before; both are few, so one pass over
        # the words finds them and most words are never looked at again
        after_titles: set[int] = set()
        after_nationalities: set[int] = set()
        for k, info in enumerate(infos):
            if info.title:
                after_titles.update(range(k + 1, min(k + 5, n - 1)))
            if info.nisba >= 0 and k < n - 2 and self._nationality_as_noun(t, k, info):
                opening = k + 1 + self.people.modifier_before(t, k + 2)
                if opening < n - 1:  # a name of two words at least fits after a modifier
                    after_nationalities.add(opening)
        for i in sorted(after_titles | after_nationalities):
            first, second = texts[i], texts[i + 1]
            # a listed name may open as a verb does: «انيبال كافاكو سيلفا»، «ايهود اولمرت»
            if not joined[i] or not (infos[i].given or not_verb(first)) or second.startswith(PRESENT):
                continue
            if not (self.unknown_word(first, infos[i]) and self.unknown_word(second, infos[i + 1])):
                continue
            if second.endswith("ه") and not self.people.listed_name(second):
                continue  # a pronoun or a feminine noun: «الرئيس شافيز مواقفه»، «السيدة برلسكوني مرفوقة»
            if i not in after_nationalities and not self._definite_cue(t, i):
                continue
            end = i + 2
            if (
                end < len(texts)
                and joined[end - 1]
                and (second in NAME_OPENINGS or self._third_name(texts[end], infos[end]))
            ):
                end += 1  # «اشرف عبد الباقي»: «عبد» does not end a name
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

    def _nationality_as_noun(self, t: Tokens, k: int, info: WordInfo) -> bool:
        """Whether word ``k``, a definite singular nationality (:attr:`WordInfo.nisba`; not a
        people, «العرب»), stands for a person, as it does before a name in sports and arts
        news («والتشيكي بافل ندفيد»، «تأهل السويسري روجيه فيدرر»): behind «و» or «ف» (not
        «بالعربية», in Arabic), after punctuation, a function word, a verb or a word it cannot
        describe; not after a definite noun or a name it agrees with («الجيش اللبناني»، «سسكا
        موسكو الروسي»), nor, feminine, after any noun: places are feminine («بدأت في غرناطة
        الإسبانية فعاليات معرض»)."""
        if not t.joined[k]:
            return False
        if info.nisba:
            return t.texts[k][: info.nisba] in CONJUNCTIONS
        before = t.previous(k)
        if not before or before in self.people.function_words:
            return True
        return not (
            t.texts[k].endswith("يه") or before.startswith(DEFINITE) or self.people.gazetteer.get((before,))
        )

    def unknown_word(self, word: str, info: WordInfo) -> bool:
        """A word that may be part of a name and that no list, lexicon or trigger reading
        claims as something else."""
        people = self.people
        return (
            len(word) > 2
            and word.isalpha()
            and not word.endswith(PRONOUN_ENDINGS)  # «باسمها»، «جولتها»
            and "ال" + word not in people.titles  # a role without its article: «حارس»، «مدرب»
            and not word.startswith(("ال", "و", "بال", "فال", "كال", "لل", "لي", "لت"))  # «ليقرر»
            and (not info.readings or people.may_be_person(word))
            and info.head is None
            and not info.anchors
            and not info.title
            and word not in people.function_words
            and word not in people.title_firsts
            and word not in SPEECH_VERBS
            and word not in people.common_given
            and word not in SON_OF
            and word != ALI
            and not self.event_word(word)
        )

    def _third_name(self, word: str, info: WordInfo) -> bool:
        """A listed surname, or an unknown word that does not open as a verb does (ي، ت، or ا
        for أ/إ/ا: «كاتس استمر») nor behind «ب» («سعيد صيام بمقر الرئاسة»، «رايس بالمواجهة»)."""
        if word in self.people.title_firsts:
            return False  # «نانسي باكير الأمين العام»
        listed = self.people.listed_surname(word)
        return (
            listed
            or (
                word[:1] not in ("ب", "ي", "ت", "ا", "ل", "ف")  # «محمود عباس لبحث»، «ساركوزي فصرح»
                and not word.endswith("ه")  # «طلعت زكريا حلمه»، «أحمد خليل مرماه»
                and "ال" + word[:-1] not in self.people.titles  # a role's accusative: «محمد خاتمي رئيسا»
                and self.unknown_word(word, info)
            )
        )


def not_verb(word: str) -> bool:
    """Whether a word after a title is not shaped as the verb of an SVO sentence («وزير
    الخارجية الروسي جدد موقف بلاده»): four letters or more (a bare root is three), not opening
    as the derived forms (ا for أ/إ/ا، ت) or the present (ي) do, not فاعل («طالب»، «ناقش»)."""
    return len(word) > 3 and word[:1] not in ("ا", "ت", "ي") and not (len(word) == 4 and word[1] == "ا")
