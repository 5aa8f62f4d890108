"""People named right after a speech verb by a word the name lists know as a name: «وقال
بلير»، «أكد الحريري»، «وقال عباس»; news names people this way after it has named them in
full, and often in the first line of a short item."""

from __future__ import annotations

from typing import Final

from khabar.annotate.labels import PER, RuleLabels
from khabar.annotate.people import (
    ALI,
    KUNYA,
    PRESENT,
    RARE,
    SPEECH_VERBS,
    PersonRules,
    normalised,
)
from khabar.annotate.tokens import Candidate, Tokens
from khabar.text.clitics import CONJUNCTIONS

LABELS = RuleLabels("the speech-verb name rule", __name__, produces=(PER,))

# verbs of stating and urging whose subject, right after them, is most often a person
# named by one word: «وانتقد نجاد»، «ودعا أنان»، «وحذر بلير»
STATEMENT_VERBS = SPEECH_VERBS | normalised(
    "دعا دعت حذر حذرت انتقد انتقدت رفض رفضت أعرب أعربت اعتبر اعتبرت نفى نفت شدد شددت"
    " لفت لفتت رأى رأت وصف وصفت اتهم اتهمت أبلغ أبلغت تابع تابعت"
)
VERB_FORMS: Final = frozenset(c + verb for verb in STATEMENT_VERBS for c in CONJUNCTIONS)  # «وقال»


class SpokenNames:
    """The rule, with the person rules' lists and tests of name words."""

    def __init__(self, people: PersonRules) -> None:
        self.people = people

    def find(self, t: Tokens) -> list[Candidate]:
        """A name word of the lists after a speech verb, and the name word after it when the
        first is a given name («وقال هوارد جرونسبكت»). A longer name found there by another
        rule wins («وقال جون بولتون رئيس …»)."""
        people = self.people
        found = []
        texts, joined = t.texts, t.joined
        last = len(texts) - 1
        for k in [k for k, verb in enumerate(texts) if verb in VERB_FORMS]:  # a few a text
            if k == last or not joined[k]:
                continue
            word = texts[k + 1]
            if not self._spoken_name(word):
                continue
            end = k + 2
            if (
                end < len(texts)
                and joined[k + 1]
                and (word in people.gazetteer.given or word in people.first_names)
                and self._goes_on(texts[end])
            ):
                end += 1
            found.append(
                Candidate(t.spans[k + 1][0], t.spans[end - 1][1], PER, 0.55, "rule:speech-verb+name")
            )
        return found

    def _goes_on(self, word: str) -> bool:
        """Whether the word after a given name is the rest of the name: a name word, not a
        present verb, not a word behind the article or a preposition unless the lists hold
        it as a surname («ورفض حمدان الإجراءات»، «وقال إبراهيم ليت»), not «أبو» alone."""
        people = self.people
        if word.startswith(PRESENT) or word == KUNYA or not people.name_word(word):
            return False
        return not word.startswith(("ال", "ل", "ب")) or word in people.gazetteer.surnames

    def _spoken_name(self, word: str) -> bool:
        """A name of the lists that is seldom a common word: a name token of unknown role
        (mostly foreign: بلير), or a given name or a surname ten people or more bear."""
        people = self.people
        if (
            len(word) < 3
            or not word.isalpha()
            or word in people.function_words
            or word in people.title_firsts
            or word in people.common_given
            or word == ALI
            or not people.may_be_person(word)
        ):
            return False
        if word.startswith("ال"):  # «الحريري», not «القوى»، «الإلهة»
            return people.gazetteer.surnames.get(word, RARE) < RARE
        return word in people.gazetteer.other_names or people.common_name(word)
