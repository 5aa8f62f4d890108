"""People named right after a speech verb by a word the name lists know as a name: «وقال
بلير»، «أكد الحريري»، «وقال عباس»; news names people this way after it has named them in
full, and often in the first line of a short item."""

from __future__ import annotations

from khabar.annotate.labels import PER, RuleLabels
from khabar.annotate.people import ALI, COMMON_WORDS, SPEECH_VERBS, PersonRules
from khabar.annotate.tokens import Candidate, Tokens

LABELS = RuleLabels("the speech-verb name rule", __name__, produces=(PER,))

CONJUNCTIONS = ("و", "ف")  # before a speech verb: «وقال»، «فأضاف»
PRESENT = ("ي", "ت")  # a verb's present: no name goes on with one («وقال محمد يجب»)


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
        for k in range(len(texts) - 1):
            verb = texts[k]
            if not joined[k] or (
                verb not in SPEECH_VERBS and not (verb[:1] in CONJUNCTIONS and verb[1:] in SPEECH_VERBS)
            ):
                continue
            word = texts[k + 1]
            if not self._spoken_name(word):
                continue
            end = k + 2
            if (
                end < len(texts)
                and joined[k + 1]
                and (word in people.gazetteer.given or word in people.first_names)
                and not texts[end].startswith(PRESENT)
                and people.name_word(texts[end])
            ):
                end += 1
            found.append(
                Candidate(t.spans[k + 1][0], t.spans[end - 1][1], PER, 0.55, "rule:speech-verb+name")
            )
        return found

    def _spoken_name(self, word: str) -> bool:
        """A name of the lists that is seldom a common word: a name token of unknown role
        (mostly foreign: بلير), or a given name or a surname ten people or more bear."""
        people = self.people
        if (
            len(word) < 3
            or not word.isalpha()
            or word in people.function_words
            or word in people.title_firsts
            or word in COMMON_WORDS
            or word == ALI
            or not people.may_be_person(word)
        ):
            return False
        return word in people.gazetteer.other_names or people.common_name(word)
