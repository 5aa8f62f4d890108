"""Names no list holds, known by the head noun before them, which says what they are and
stays outside the span: a place after a settlement head («حي الزيتون شرق مدينة غزة») and a
newspaper after «صحيفة» («صحيفة يديعوت أحرونوت»); and a sports club named after its town,
whose first word is part of its name («ريال مدريد»، «دينامو كييف»)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from khabar.annotate.gazetteer import Gazetteer, Lexicon
from khabar.annotate.labels import GPE, LOC, ORG, RuleLabels
from khabar.annotate.tokens import NISBA_ENDS, Candidate, Tokens, WordInfo

LABELS = RuleLabels("the head-noun name rules", __name__, produces=(GPE, ORG), reads=(GPE, LOC))

PLACES: Final = (GPE, LOC)  # what «ب» + a listed place after a name may locate it by
# a newspaper or magazine by its name after one of these (normalised), the head left out
MEDIA_HEADS: Final = ("صحيفه", "جريده", "مجله")
PROCLITIC_FORMS: Final = ("", "و", "ب", "ل", "ف")  # a head as written and behind one proclitic letter
CLUB_PROCLITICS: Final = (*PROCLITIC_FORMS, "ول", "وب")  # «ولريال مدريد»
MEDIA_FORMS: Final = frozenset(prefix + head for head in MEDIA_HEADS for prefix in PROCLITIC_FORMS)
QUOTES_OPEN: Final = ('"', "«", "'")
QUOTES_CLOSE: Final = ('"', "»", "'")


class HeadedNames:
    """The rules, with the lexicon's settlement heads, directions and function words, and two
    tests of the entity finder: whether a word reads as an event trigger, and whether it is a
    word no list or rule claims (:meth:`~khabar.annotate.titled_names.TitledUnknownNames.unknown_word`)."""

    def __init__(
        self,
        gazetteer: Gazetteer,
        lexicon: Lexicon,
        event_word: Callable[[str], bool],
        unknown_word: Callable[[str, WordInfo], bool],
    ) -> None:
        self.gazetteer = gazetteer
        self.event_word = event_word
        self.unknown_word = unknown_word
        self.function_words = lexicon["function_words"]
        self.place_cues = lexicon["place_cues"]
        self.place_directions = lexicon["place_directions"]
        self.settlement_heads = sorted(lexicon["settlement_heads"])
        self.settlement_forms = frozenset(p + head for head in self.settlement_heads for p in PROCLITIC_FORMS)
        self.club_words = sorted(lexicon["club_words"])
        # each form a club word takes, and where the club word starts in it
        self.club_forms = {p + word: len(p) for word in self.club_words for p in CLUB_PROCLITICS}

    def find(self, t: Tokens, infos: list[WordInfo]) -> list[Candidate]:
        """Places after a settlement head, newspapers after «صحيفة» and clubs named after
        their town, in analysis offsets."""
        return self._settlements(t, infos) + self._media(t, infos) + self._clubs(t)

    def _clubs(self, t: Tokens) -> list[Candidate]:
        """A sports club: a club word and the listed place it is named after, together one
        organisation, the place no GPE of its own: «ريال مدريد»، «بايرن ميونيخ»، «أولمبيك
        خريبكة»، «ستيوا بوخارست» (a proclitic before it stays out: «لريال مدريد»)."""
        found = []
        texts, joined = t.texts, t.joined
        for i in t.words_holding(self.club_words, self.club_forms):
            if i + 1 >= len(texts) or not joined[i] or self.gazetteer.label_of((texts[i + 1],)) != GPE:
                continue
            cut = self.club_forms[texts[i]]
            found.append(Candidate(t.spans[i][0] + cut, t.spans[i + 1][1], ORG, 0.7, "rule:club+town"))
        return found

    def _settlements(self, t: Tokens, infos: list[WordInfo]) -> list[Candidate]:
        """A place no list holds, one definite word after a settlement head and located by the
        words after it, a direction or a listed place behind «ب»: «حي الزيتون شرق مدينة غزة»،
        «منطقة التاجي شمال بغداد»، «حي المعتصم بسامراء». Both cues, as a noun after the head
        is often a common one («منطقة الحدود»), and it is a place only when located; with the
        article, as an indefinite word after the head is most often an adjective («منطقة عازلة»)."""
        found = []
        texts, joined = t.texts, t.joined
        last = len(texts) - 2
        for i in t.words_holding(self.settlement_heads, self.settlement_forms):
            if i >= last or not (joined[i] and joined[i + 1]):
                continue
            name = texts[i + 1]
            located = self._locating(texts[i + 2])
            if located and name[:2] == "ال" and self._unlisted_name(name, infos[i + 1]):
                if self.event_word(name):
                    continue  # an event: «منطقة القتال شمال بغداد»
                found.append(Candidate(*t.spans[i + 1], GPE, 0.6, "rule:settlement+name"))
        return found

    def _media(self, t: Tokens, infos: list[WordInfo]) -> list[Candidate]:
        """A newspaper's or magazine's name after «صحيفة»، «جريدة» or «مجلة», without the head
        (what it is): in quotes («صحيفة " واشنطن تايمز "») or one or two words no list or rule
        claims, no adjective («صحيفة يديعوت أحرونوت»; not «صحيفة محلية»، «صحيفة أمريكية»)."""
        found = []
        texts, n = t.texts, len(t.texts)
        for i in t.words_holding(MEDIA_HEADS, MEDIA_FORMS):
            if i + 1 >= n:
                continue
            opening = t.gaps[i].strip(" \t")
            if opening in QUOTES_OPEN:  # the name's words, then the closing quote
                k = i + 1
                while k < min(n, i + 5) and t.joined[k] and not t.gaps[k].strip(" \t"):
                    k += 1
                if k < min(n, i + 5) and t.gaps[k].strip(" \t")[:1] in QUOTES_CLOSE:
                    found.append(Candidate(t.spans[i + 1][0], t.spans[k][1], ORG, 0.7, "rule:media+quoted"))
            elif not opening:
                k = i + 1
                while (
                    k < min(n, i + 3)
                    and (k == i + 1 or t.joined[k - 1])
                    and self._media_word(texts[k], infos[k])
                    # a definite name goes on definite: «الشرق الأوسط», not «القدس لايزال»
                    and (k == i + 1 or not texts[i + 1].startswith("ال") or texts[k].startswith("ال"))
                ):
                    k += 1
                if k > i + 1:
                    # a listed place right after the head is the paper's name: it wins over the list
                    listed = self.gazetteer.get(tuple(texts[i + 1 : k])) is not None
                    score = 0.95 if listed else 0.6
                    found.append(
                        Candidate(t.spans[i + 1][0], t.spans[k - 1][1], ORG, score, "rule:media+name")
                    )
        return found

    def _media_word(self, word: str, info: WordInfo) -> bool:
        """A word of a newspaper's name, not an adjective: unknown to every list and rule, a
        place's name («صحيفة القدس»، «بصحيفة نيويورك تايمز») or a definite noun no rule
        reads otherwise («صحيفة الأهرام»، «صحيفة الشرق الأوسط»)."""
        if word.endswith(NISBA_ENDS):
            return False
        if self.unknown_word(word, info) or self.gazetteer.label_of((word,)) in PLACES:
            return True
        return (
            word.startswith("ال")
            and len(word) > 3
            and word not in self.function_words
            and info.head is None
            and not info.title
            and not info.anchors
            and not self.event_word(word)
        )

    def _unlisted_name(self, word: str, info: WordInfo) -> bool:
        """A word no list or cue claims, that may be a name."""
        return (
            len(word) > 2
            and word.isalpha()
            and not info.readings
            and info.head is None
            and not info.anchors
            and not info.title
            and word not in self.function_words
            and word not in self.place_cues
        )

    def _locating(self, word: str) -> bool:
        """A direction («شمال»، «غربي») or a listed place behind «ب» («بسامراء»)."""
        return word in self.place_directions or (
            word[:1] == "ب" and self.gazetteer.label_of((word[1:],)) in PLACES
        )
