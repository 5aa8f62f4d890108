"""The person-name rules: people named after a title, by their first names, or again by surname.

A list cannot hold every person in the news, but Arabic news names people in a few set
ways: after a title or role («الرئيس الفلسطيني محمود عباس»), by a foreign first name and
the word after it («فلاديمير بوتين»), by a first name and the father's («محمد محمود»), in
guillemets after a role («المتحدثة باسم الخارجية «...»»), and later by the surname alone.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
from typing import Final

from khabar.annotate.gazetteer import Gazetteer, Lexicon
from khabar.annotate.labels import NORP, PER, RuleLabels
from khabar.annotate.tokens import LETTERS, WORD, Candidate, Tokens, WordInfo, alternation, among
from khabar.text.analysis import normalize
from khabar.text.clitics import PROCLITICS

LABELS = RuleLabels("the person-name rules", __name__, produces=(PER,), reads=(NORP,))

_TITLE = operator.attrgetter("title")
KUNYA = "ابو"  # «أبو عبد الله», normalised
ALI = "علي"  # a first name, and normalised also the preposition «على»: the name rules skip it
SON_OF = frozenset({"بن", "ابن", "بنت"})  # «حمد بن خليفة»: the father's name follows
NAME_OPENINGS = frozenset({"عبد", KUNYA})  # they open a name and end none: «عبد الله»
# a verb's present, and with the future's «س»: no name goes on with one («وقال محمد يجب»،
# «الرئيس شيراك سيقرر»)
PRESENT: Final = ("ي", "ت", "سي", "ست")
FAMILY = "ال"  # «آل ثاني», normalised: the family's name follows


def normalised(words: str) -> frozenset[str]:
    return frozenset(normalize(word) for word in words.split())


# speech verbs a name follows (قال محمد العلي)
SPEECH_VERBS = normalised(
    "قال قالت يقول تقول أعلن أعلنت أكد أكدت أضاف أضافت أوضح أوضحت صرح صرحت ذكر ذكرت أشار أشارت"
)
COMMON_BANDS = 3  # given names of bands 1-3 (10 people or more in Wikidata) need no cue
RARE = 4  # the band of the rarest given names: a cue must come before them
MAX_NAME = 4  # words in a name found by the name lists


def theophoric(word: str) -> bool:
    """«عبد» and one of God's names written as one word: «عبدالحليم»، «عبدالقوي», a name
    whether the lists hold it or not."""
    return len(word) > 6 and word.startswith("عبدال") and word.isalpha()


class PersonRules:
    """Finds people's names that no list holds, with the lexicon's titles and first names."""

    def __init__(self, gazetteer: Gazetteer, lexicon: Lexicon) -> None:
        lx = lexicon
        self.gazetteer = gazetteer
        self.titles = lx["titles"]
        # given names of the lists that are above all common words (حسن "good"، ظهور "appearance")
        self.common_given = lx["given_names_also_words"]
        self.title_modifiers = lx["title_modifiers"]
        self.function_words = lx["function_words"]
        self.first_names = lx["first_names"] | lx["foreign_first_names"]
        self.foreign_first_names = lx["foreign_first_names"]
        self.arabic_first_names = lx["first_names"]
        # where an Arabic name may start: a first name, the «عبد» of one, or a kunya's «أبو»
        self.arabic_first_words = frozenset(name.split()[0] for name in self.arabic_first_names) | {KUNYA}
        self.title = re.compile(rf"(?<!\w)(?:[وف]?[بلك]?){alternation(self.titles)}(?!\w)")
        self.title_firsts = frozenset(title.split()[0] for title in self.titles)
        self.quoted = re.compile(rf"«(?P<span>{LETTERS}(?:\s+{LETTERS}){{0,3}})»")

    def find(self, t: Tokens, infos: list[WordInfo]) -> list[Candidate]:
        """People named in guillemets after a title, by first names, or after a title."""
        found = self._quoted_people(t, infos)
        found += self._first_names(t, infos)
        found += self._arabic_first_names(t, infos)
        found += self._titled_arabic_names(t, infos)
        found += self._listed_names(t, infos)
        return found

    # --- given names and surnames of the derived lists ------------------------------------

    def given_reading(self, word: str, analyses: tuple[tuple[int, str], ...]) -> tuple[int, int]:
        """The frequency band of a given name ``word`` is (behind proclitics too: «وجاك»),
        and how many proclitic letters come before it; (0, 0) if none."""
        for cut, form in ((0, word), *analyses):
            if (
                form == ALI
                or form in self.common_given
                or form in self.function_words
                or form in self.title_firsts
            ):
                continue
            g = self.gazetteer
            # a name token of unknown role (mostly foreign: رومانو، إيهود) is a rare given name
            band = 1 if form in self.first_names else g.given.get(form, 0)
            band = band or (RARE if form in g.other_names else 0)
            if band:
                return band, cut
        return 0, 0

    def _listed_names(self, t: Tokens, infos: list[WordInfo]) -> list[Candidate]:
        """A given name of the lists and a listed surname or name token: «جاك شيراك»، «سعد
        سيروب»، «عزيز الدويك». A rare given name (band 4) needs a title or a speech verb
        before it («قال دورا …»). Cheap tests first: most given names start nothing."""
        found = []
        texts = t.texts
        surnames, other_names = self.gazetteer.surnames, self.gazetteer.other_names
        last = len(infos) - 1
        for i in [k for k, info in enumerate(infos) if info.given and k < last]:
            band = infos[i].given
            if not t.joined[i]:
                continue
            second = texts[i + 1]
            if second not in surnames and not self.listed_surname(second):
                continue
            if not self.name_word(second):
                continue
            if (
                band > COMMON_BANDS
                # two name tokens of unknown role, mostly foreign: «ايهود اولمرت»، «أدولف هتلر»
                and not (texts[i][infos[i].given_cut :] in other_names and second in other_names)
                and not (self.person_cue(t, i) or among(t.previous(i), SPEECH_VERBS))
            ):
                continue
            if not self.may_be_person(texts[i][infos[i].given_cut :]):
                continue  # «إيران» is a name too
            end = i + 2
            while (
                end < len(texts)
                and end - i < MAX_NAME
                and t.joined[end - 1]
                and self.common_name(texts[end])
                and self.name_word(texts[end])
            ):
                end += 1
            start = t.spans[i][0] + infos[i].given_cut
            if not infos[i].given_cut and i > 0 and t.joined[i - 1] and self._opens_name(texts[i - 1]):
                start = t.spans[i - 1][0]  # «أبو مصعب الزرقاوي»، «عباس محمود العقاد»
            found.append(Candidate(start, t.spans[end - 1][1], PER, 0.6, "rule:given+surname"))
        return found

    def _opens_name(self, word: str) -> bool:
        """A kunya's «أبو» or an Arabic first name (not «علي», also «على»): the name goes on
        with the given name after it."""
        return word == KUNYA or (word in self.arabic_first_names and word != ALI)

    def listed_name(self, word: str) -> bool:
        """A word the name lists hold, of any role and band."""
        g = self.gazetteer
        return word in g.given or word in g.surnames or word in g.other_names

    def listed_surname(self, word: str) -> bool:
        """A common surname, a name token of the lists of unknown role (mostly foreign:
        شيراك), or a common given name (a father's)."""
        return self.common_name(word) or word in self.gazetteer.other_names or theophoric(word)

    def common_name(self, word: str) -> bool:
        """A surname or a given name of bands 1-3 (ten people or more in Wikidata)."""
        g = self.gazetteer
        return g.surnames.get(word, 9) <= COMMON_BANDS or g.given.get(word, 9) <= COMMON_BANDS

    def name_word(self, word: str) -> bool:
        """A word that may be part of a name: not a function word, a title, a listed name
        of another kind, nor behind a proclitic unless listed as a name as written."""
        return (
            len(word) > 1
            and word.isalpha()
            and word not in self.function_words
            and word not in self.title_firsts
            and word not in SON_OF
            and word != ALI
            and (not word.startswith(("و", "ف", "بال", "لل", "كال")) or self.listed_surname(word))
            and self.may_be_person(word)
        )

    # --- a surname again ------------------------------------------------------------------

    def surnames_again(self, t: Tokens, chosen: list[Candidate], taken: bytearray) -> list[Candidate]:
        """A person's surname on its own elsewhere in the same text: «أنان» once «كوفي أنان»
        was found (``taken``: 1 where a chosen span lies). Not a surname that is also a first
        name, a title or a listed non-person."""
        surnames = set()
        for c in chosen:
            if c.label != PER:
                continue
            words = t.norm[c.start : c.end].split()
            last = words[-1]
            if (
                len(words) > 1
                and words[-2] not in NAME_OPENINGS  # «الله» of «أبو عبد الله» is no surname
                and len(last) > 2
                and last.isalpha()
                and last not in self.function_words
                and last not in self.first_names
                and last not in self.title_firsts
                and self.may_be_person(last)
            ):
                surnames.add(last)
        norm = t.norm
        found = []
        for surname in surnames:  # a few a text: str.find runs in C, a loop over words would not
            at = norm.find(surname)
            while at != -1:
                end = at + len(surname)
                if taken[at] == 0:  # not the full name it comes from, nor another span
                    i = t.word_at(at)
                    word_start, word_end = t.spans[i]
                    if word_end == end and norm[word_start:at] in PROCLITICS:  # the word, but proclitics
                        start = self._first_name_before(t, i) if word_start == at else at
                        found.append(Candidate(start, end, PER, 0.6, "rule:surname-again"))
                at = norm.find(surname, end)
        return found

    def _first_name_before(self, t: Tokens, i: int) -> int:
        """Where a name whose surname is word ``i`` starts: at a first name right before it
        («يحيى بيرت» once «جون بيرت» was found), else at the surname."""
        if i > 0 and t.joined[i - 1]:
            before = t.texts[i - 1]
            if before in self.first_names and before != ALI:
                return t.spans[i - 1][0]
        return t.spans[i][0]

    def may_be_person(self, word: str) -> bool:
        """Whether a word is not listed, or listed as a person, or as a name needing a cue."""
        listed = self.gazetteer.get((word,))
        return listed is None or listed.label == PER or listed.ambiguous

    # --- a name in guillemets after a title -----------------------------------------------

    def _quoted_people(self, t: Tokens, infos: list[WordInfo]) -> list[Candidate]:
        """«Name» right after a title or role: «المتحدثة باسم الخارجية «...»»."""
        norm = t.norm
        if "«" not in norm:
            return []
        found = []
        title_starts: list[int] | None = None  # where a title may start, worked out when needed
        for m in self.quoted.finditer(norm):
            name = m.group("span")
            parts = name.split()
            if parts[0] in self.function_words or any(p in self.titles for p in parts):
                continue
            label = self.gazetteer.label_of(tuple(parts))
            if label is not None and label != PER:
                continue
            line_start = (
                max(norm.rfind("\n", 0, m.start()), norm.rfind(".", 0, m.start()), m.start() - 120) + 1
            )
            before = norm[line_start : m.start()]
            if before.rstrip().endswith((":", "؟", "!")):
                continue  # a quotation, not a name
            if title_starts is None:
                title_starts = list(itertools.compress(t.starts, map(_TITLE, infos)))
            lo = bisect.bisect_left(title_starts, line_start)
            hi = bisect.bisect_left(title_starts, m.start())
            title_end = self.last_title(before, [a - line_start for a in title_starts[lo:hi]])
            if title_end is not None and len(WORD.findall(before[title_end:])) <= 6:
                found.append(Candidate(m.start("span"), m.end("span"), PER, 0.7, "rule:title+quoted-name"))
        return found

    def last_title(self, before: str, starts: list[int]) -> int | None:
        """Where the last title in ``before`` ends, as ``self.title.finditer(before)`` would
        find it, trying the pattern only at 0 (``before`` may start inside a word) and at
        ``starts``, the words a title may start with."""
        end = None
        reached = 0
        for at in (0, *starts):
            if at < reached:
                continue
            m = self.title.match(before, at)
            if m is not None:
                end = reached = m.end()
        return end

    # --- first names ----------------------------------------------------------------------

    def _first_names(self, t: Tokens, infos: list[WordInfo]) -> list[Candidate]:
        """A foreign first name and the word after it: «فيلاديمير بوتين»، «أولاف شولتس»."""
        found = []
        for i in range(len(t.spans) - 1):
            if not infos[i].first_name or not t.joined[i]:
                continue
            second = t.texts[i + 1]
            if (
                second in self.function_words
                or second.startswith(("ال", "و", "ف"))
                or not second.isalpha()
                or not self.may_be_person(second)  # a place that needs a cue may: «جون بولتون»
            ):
                continue
            if second.startswith(("ب", "ل", "ك")) and not self.listed_name(second):
                continue  # a preposition's phrase: «سيباستيان بشأن»، «كارلوس للمغرب»
            found.append(Candidate(t.spans[i][0], t.spans[i + 1][1], PER, 0.7, "rule:first-name"))
        return found

    def _arabic_first_names(self, t: Tokens, infos: list[WordInfo]) -> list[Candidate]:
        """Two or more Arabic first names in a row, a name and its father's: «محمد محمود»،
        «عبد الرحمن حسن»; «أبو» and a first name, a kunya: «أبو عبد الله». One alone is
        often a common word (حسن "good"); «علي» is left out, as normalised it is also «على»
        («حصل محمد على جائزة»)."""
        found = []
        reached = 0
        for i in range(len(infos)):
            if not infos[i].arabic_first_name or i < reached:
                continue
            units, k = 0, i
            if t.texts[i] == KUNYA:
                if not t.joined[i]:
                    continue
                units, k = 1, i + 1
            k, names = self._first_names_run(t, k)
            units += names
            if units >= 2:
                found.append(Candidate(t.spans[i][0], t.spans[k - 1][1], PER, 0.65, "rule:first-names"))
                reached = k
        return found

    def _titled_arabic_names(self, t: Tokens, infos: list[WordInfo]) -> list[Candidate]:
        """An Arabic first name (or a name and its father's) after a title or a nationality,
        and the surname after it: «الحارس خالد العتيبي»، «وزير الإعلام الأردني ماجد المعايطة»،
        «المدرب عبد الرحمن حسن». The cue makes the first name a name; without one, a first
        name alone is too often a common word. «علي» stays out even so: «أكد الرئيس على»."""
        found = []
        for i in range(1, len(infos)):
            if not infos[i].arabic_first_name or t.texts[i] == KUNYA or not self.person_cue(t, i):
                continue
            k, names = self._first_names_run(t, i)
            if not names:
                continue
            # «بن خليفة»، «بن عبد العزيز»: the father's name; «آل ثاني»: the family's
            while t.joined_to(k, 2) and t.texts[k] in SON_OF and self._may_be_surname(t.texts[k + 1]):
                k = max(self._first_names_run(t, k + 1)[0], k + 2)
            if t.joined_to(k, 2) and t.texts[k] == FAMILY and self._may_be_surname(t.texts[k + 1]):
                k += 2
            elif t.joined_to(k, 1) and self._may_be_surname(t.texts[k]):
                k += 1
            found.append(Candidate(t.spans[i][0], t.spans[k - 1][1], PER, 0.65, "rule:title+first-name"))
        return found

    def _first_names_run(self, t: Tokens, i: int) -> tuple[int, int]:
        """The Arabic first names in a row from word ``i``: where they end, and how many."""
        k, names = i, 0
        while (size := self._arabic_first_name_at(t, k)) > 0:
            k, names = k + size, names + 1
            if not t.joined[k - 1]:
                break
        return k, names

    def person_cue(self, t: Tokens, i: int) -> bool:
        """A title or role right before word ``i`` (behind a proclitic too, «للرئيس»), a
        two-word one («وزير الخارجية»), or a nationality after one, or after one and its
        complement («الرئيس الفلسطيني»، «وزير الإعلام الفلسطيني»)."""
        i -= self.modifier_before(t, i)  # «رئيس الجمهورية الأسبق أمين الجميل»
        before = t.previous(i)
        if among(before, self.titles) or among(t.previous(i, 2), self.titles):
            return True
        if self.gazetteer.label_of((before,)) != NORP:
            return False
        return among(t.previous(i - 1), self.titles) or among(t.previous(i - 2), self.titles)

    def modifier_before(self, t: Tokens, i: int) -> int:
        """1 if the word before word ``i`` describes the title or nationality before it
        («السابق»، «الراحل»، «الواعد»)."""
        return 1 if i > 1 and t.joined[i - 1] and t.texts[i - 1] in self.title_modifiers else 0

    def _may_be_surname(self, word: str) -> bool:
        """A word that may end a name: not a function word, a title, a listed name of
        another kind or a word behind a preposition and the article («بالنتيجة»)."""
        return (
            word.isalpha()
            and word not in self.function_words
            and word not in self.titles
            and word not in SON_OF
            and word != FAMILY
            and not word.startswith(("و", "ف", "بال", "لل", "كال"))
            and self.may_be_person(word)
        )

    def _arabic_first_name_at(self, t: Tokens, k: int) -> int:
        """How many words an Arabic first name at word ``k`` has (0: none there)."""
        if k >= len(t.texts) or t.texts[k] == ALI:
            return 0
        if (
            k + 1 < len(t.texts)
            and t.joined[k]
            and f"{t.texts[k]} {t.texts[k + 1]}" in self.arabic_first_names
        ):
            return 2
        return 1 if t.texts[k] in self.arabic_first_names else 0
