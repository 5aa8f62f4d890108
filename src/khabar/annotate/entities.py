"""Entity pre-annotation: name lists matched with proclitics outside the span, and context
rules for what lists cannot hold (dates, times, money, people named after a title or by
their first names, organisations named by their head noun).

Everything runs on the analysis view; candidates may overlap, and the longest wins
(schemas/guidelines.md: flat, longest name). Every span keeps its score and the rule or list
that produced it.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from khabar.annotate.gazetteer import Entry, Gazetteer, Lexicon
from khabar.text.analysis import normalize
from khabar.text.clitics import PROCLITICS, proclitic_analyses

NAMED = frozenset({"PER", "ORG", "GPE", "LOC", "FAC"})  # what an organisation can be named after
WORD = re.compile(r"\w+")
WORD_SPLIT = re.compile(r"(\w+)")
LETTERS = r"[^\W\d_]+"


def among(phrase: str, words: frozenset[str]) -> bool:
    """Whether ``phrase`` is one of ``words``, as written or behind proclitics: «للرئيس»."""
    return any(form in words for _, form in proclitic_analyses(phrase))


@dataclass(frozen=True, slots=True)
class WordInfo:
    """What the rules need to know of one (normalised) word, computed once per word.

    ``readings``: (cut, form) readings that start a listed name; ``head``: where an
    organisation head noun starts in it; ``anchors``: the rules that may start here.
    """

    readings: tuple[tuple[int, str], ...]
    longest: int  # words in the longest listed name a reading starts
    head: int | None
    anchors: frozenset[str]
    first_name: bool  # a foreign first name: a person with the word after it
    title: bool = False  # a title or role may start here
    arabic_first_name: bool = False  # an Arabic first name (or «عبد» of one) may start here
    # what another finder keeps of the word (see EntityFinder); ``Any``, as mypyc cannot
    # compile a dataclass field annotated ``object``
    also: Any = None


_TITLE = operator.attrgetter("title")
KUNYA = "ابو"  # «أبو عبد الله», normalised
ALI = "علي"  # a first name, and normalised also the preposition «على»: the name rules skip it
SON_OF = frozenset({"بن", "ابن", "بنت"})  # «حمد بن خليفة»: the father's name follows
FAMILY = "ال"  # «آل ثاني», normalised: the family's name follows
DATELINE_MARKS = frozenset("(:-–—")  # after the place a dispatch opens with: «لندن: ...»


class Candidate:
    """A possible entity in analysis-view offsets.

    A plain class, not a named tuple: compiled (mypyc), its fields are read directly.
    """

    __slots__ = ("end", "label", "rule", "score", "start")

    def __init__(self, start: int, end: int, label: str, score: float, rule: str) -> None:
        self.start = start
        self.end = end
        self.label = label
        self.score = score
        self.rule = rule

    def _fields(self) -> tuple[int, int, str, float, str]:
        return (self.start, self.end, self.label, self.score, self.rule)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Candidate) and self._fields() == other._fields()

    def __hash__(self) -> int:
        return hash(self._fields())

    def __repr__(self) -> str:
        return f"Candidate{self._fields()}"


class Tokens:
    """The words of an analysis view, found once and shared by the entity and event rules."""

    __slots__ = ("gaps", "infos", "joined", "norm", "spans", "starts", "texts")

    def __init__(self, norm: str) -> None:
        self.norm = norm
        # one C-level split gives words and what lies between them: [gap, word, gap, word, ..., gap]
        parts = WORD_SPLIT.split(norm)
        offsets = list(itertools.accumulate(map(len, parts), initial=0))
        self.texts = parts[1::2]
        self.starts = offsets[1:-1:2]
        self.spans = list(zip(self.starts, offsets[2::2], strict=False))
        #: gaps[k]: what separates word k from word k+1 ("" after the last word)
        self.gaps = [*parts[2:-1:2], ""] if self.texts else []
        #: joined[k]: word k and word k+1 are separated by spaces only (one name may go on)
        self.joined = [not gap.strip(" \t") for gap in self.gaps]
        if self.joined:
            self.joined[-1] = False
        #: each word's info, once an entity finder has looked them up
        self.infos: list[WordInfo] | None = None

    def __len__(self) -> int:
        return len(self.spans)

    def adjacent(self, i: int, n: int) -> bool:
        """Words i..i+n-1 are separated by spaces only (no punctuation, no line break)."""
        return i >= 0 and all(self.joined[i : i + n - 1]) and i + n <= len(self.spans)


def alternation(phrases: Iterable[str]) -> str:
    """A regular expression matching any of ``phrases`` (longest first, spaces flexible)."""
    ordered = sorted(set(phrases), key=lambda p: (-len(p), p))
    return "(?:" + "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in ordered) + ")"


def _bounded(body: str) -> re.Pattern[str]:
    """``body`` (with a group named span) as whole words, after optional proclitics."""
    return re.compile(rf"(?<!\w)(?:[وف]?[بلك]?)(?P<span>{body})(?!\w)")


class EntityFinder:
    """Finds entity spans in canonical texts with a gazetteer and a lexicon of context words.

    ``also``: what another finder needs to know of each word (the event finder's trigger
    readings, a hashable value), kept in the word's :class:`WordInfo` so that a text's
    words are looked up once for both.
    """

    def __init__(
        self, gazetteer: Gazetteer, lexicon: Lexicon, also: Callable[[str], object] | None = None
    ) -> None:
        self.gazetteer = gazetteer
        self.also = also
        self.lexicon = lexicon
        lx = lexicon
        self.titles = lx["titles"]
        self.function_words = lx["function_words"]
        self.place_cues = lx["place_cues"]
        self.first_names = lx["first_names"] | lx["foreign_first_names"]
        ordinal = alternation(lx["ordinals"])
        day = rf"(?:{ordinal}|\d{{1,2}})"
        days = rf"{day}(?:\s+و{day})*"
        month = alternation((lx["months"] | lx["hijri_months"]) - lx["ambiguous_months"])
        any_month = alternation(lx["months"] | lx["hijri_months"])
        modifier = alternation(lx["date_modifiers"])
        year = r"\d{4}"
        weekday = alternation(lx["weekdays"])
        relative = alternation(lx["relative_days"])
        with_month = (
            rf"{days}\s+(?:من\s+)?(?:{any_month}|الشهر)(?:\s+(?:{year}|{modifier}))?"
            rf"|{any_month}\s+(?:{year}|{modifier})|الشهر\s+{modifier}|{month}"
        )
        self.date = _bounded(
            rf"(?:{relative}\s+)?(?:يوم\s+)?{weekday}(?:\s+{modifier})?(?:\s+(?:{with_month}))?"
            rf"|{with_month}"
            rf"|{alternation(lx['periods'])}\s+{modifier}"
            rf"|(?:عام|العام|سنه|السنه)\s+{year}"
            rf"|{relative}"
        )
        number = rf"(?:\d+(?:[.,]\d+)?|{alternation(lx['number_words'])})"
        unit = alternation(lx["time_units"])
        approx = alternation(lx["approximately"])
        self.time = re.compile(
            rf"(?<!\w)(?:[وف]?[بلك]?)(?P<span>{number}\s+{unit}(?:\s+{approx})?"
            rf"|{alternation(lx['day_parts'])}"
            rf"|الساعه\s+(?:\d{{1,2}}(?:[:.]\d{{2}})?|{ordinal})(?:\s+{alternation(lx['day_parts'])})?)(?!\w)"
            rf"|(?<!\w)(?:لمده|نحو|حوالي|قرابه|طيله|طوال|مده)\s+(?P<bare>{unit}(?:\s+{approx})?)(?!\w)"
        )
        self.money = _bounded(
            rf"{number}(?:\s+{alternation(lx['scales'])})?\s+{alternation(lx['currencies'])}"
            rf"(?:\s+(?:امريكي|اميركي|استرليني))?"
        )
        self.title = re.compile(rf"(?<!\w)(?:[وف]?[بلك]?){alternation(self.titles)}(?!\w)")
        self.title_firsts = frozenset(title.split()[0] for title in self.titles)
        self.quoted = re.compile(rf"«(?P<span>{LETTERS}(?:\s+{LETTERS}){{0,3}})»")
        self.org_heads = lx["org_heads"]

        def firsts(*keys: str) -> set[str]:
            return {phrase.split()[0] for key in keys for phrase in lx[key]}

        # The words a rule can start with: a rule's pattern is only tried where one is.
        self.rules = {
            "DATE": (
                self.date,
                0.85,
                firsts("relative_days", "weekdays", "months", "hijri_months", "ordinals", "periods")
                | {"يوم", "الشهر", "عام", "العام", "سنه", "السنه"},
            ),
            "TIME": (
                self.time,
                0.8,
                firsts("number_words", "day_parts", "time_units")
                | {"الساعه", "لمده", "نحو", "حوالي", "قرابه", "طيله", "طوال", "مده"},
            ),
            "MONEY": (self.money, 0.85, firsts("number_words")),
        }
        self.foreign_first_names = lx["foreign_first_names"]
        self.arabic_first_names = lx["first_names"]
        # where an Arabic name may start: a first name, the «عبد» of one, or a kunya's «أبو»
        self.arabic_first_words = frozenset(name.split()[0] for name in self.arabic_first_names) | {KUNYA}
        #: the rules that may start at a (proclitic-free) word; all of them after a digit
        self.anchors: dict[str, frozenset[str]] = {}
        for rule, (_, _, starts) in self.rules.items():
            for start in starts:
                self.anchors[start] = self.anchors.get(start, frozenset()) | {rule}
        self.all_rules = frozenset(self.rules)
        self._words: dict[str, WordInfo] = {}
        self._plain: dict[object, WordInfo] = {}

    def known(self, phrase: str) -> bool:
        """Whether ``phrase`` is a listed name (snapping proclitics off a span asks)."""
        return tuple(normalize(phrase).split()) in self.gazetteer.phrases

    def _info(self, word: str) -> WordInfo:
        """The :class:`WordInfo` of a word, cached (bounded): most words start nothing."""
        info = self._words.get(word)
        if info is not None:
            return info
        analyses = proclitic_analyses(word)
        forms = {form for _, form in analyses} | {word}  # short words have no analyses
        readings = tuple((cut, form) for cut, form in analyses if form in self.gazetteer.longest)
        head = next((cut for cut, form in analyses if form in self.org_heads), None)
        if word[-1:].isdigit():
            anchors = self.all_rules
        else:
            anchors = frozenset().union(*(self.anchors[f] for f in forms if f in self.anchors))
        first_name = word in self.foreign_first_names
        title = not forms.isdisjoint(self.title_firsts)
        arabic = word in self.arabic_first_words
        also = self.also(word) if self.also is not None else None
        if readings or head is not None or anchors or first_name or title or arabic:
            longest = max((self.gazetteer.longest[form] for _, form in readings), default=0)
            info = WordInfo(readings, longest, head, anchors, first_name, title, arabic, also)
        else:  # most words start nothing: one shared info for each kind of nothing
            info = self._plain.get(also) or WordInfo((), 0, None, frozenset(), False, False, False, also)
            if len(self._plain) < 10_000:
                self._plain.setdefault(also, info)
        if len(self._words) < 100_000:
            self._words[word] = info
        return info

    # --- the whole pipeline --------------------------------------------------------------

    def find(self, t: Tokens) -> list[Candidate]:
        """Non-overlapping entity candidates, longest first, in analysis offsets."""
        known = self._words.get
        infos = [known(w) or self._info(w) for w in t.texts]
        t.infos = infos
        candidates = [*self.from_lists(t, infos), *self.from_rules(t, infos)]
        chosen: list[Candidate] = []
        taken = bytearray(len(t.norm))  # 1 where a chosen span lies
        for c in sorted(candidates, key=lambda c: (-(c.end - c.start), -c.score, c.start)):
            if taken.find(1, c.start, c.end) == -1:
                chosen.append(c)
                taken[c.start : c.end] = b"\x01" * (c.end - c.start)
        for c in self._surnames_again(t, chosen, taken):
            if taken.find(1, c.start, c.end) == -1:
                chosen.append(c)
                taken[c.start : c.end] = b"\x01" * (c.end - c.start)
        return sorted(chosen, key=lambda c: c.start)

    def _surnames_again(self, t: Tokens, chosen: list[Candidate], taken: bytearray) -> list[Candidate]:
        """A person's surname on its own elsewhere in the same text: «أنان» once «كوفي أنان»
        was found (``taken``: 1 where a chosen span lies). Not a surname that is also a first
        name, a title or a listed non-person."""
        surnames = set()
        for c in chosen:
            if c.label != "PER":
                continue
            words = t.norm[c.start : c.end].split()
            last = words[-1]
            if (
                len(words) > 1
                and len(last) > 2
                and last.isalpha()
                and last not in self.function_words
                and last not in self.first_names
                and last not in self.title_firsts
                and self._may_be_person(last)
            ):
                surnames.add(last)
        norm = t.norm
        found = []
        for surname in surnames:  # a few a text: str.find runs in C, a loop over words would not
            at = norm.find(surname)
            while at != -1:
                end = at + len(surname)
                if taken[at] == 0:  # not the full name it comes from, nor another span
                    i = bisect.bisect_right(t.starts, at) - 1  # the word it lies in
                    word_start, word_end = t.spans[i]
                    if word_end == end and norm[word_start:at] in PROCLITICS:  # the word, but proclitics
                        start = self._first_name_before(t, i) if word_start == at else at
                        found.append(Candidate(start, end, "PER", 0.6, "rule:surname-again"))
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

    def _may_be_person(self, word: str) -> bool:
        """Whether a word is not listed, or listed as a person, or as a name needing a cue."""
        listed = self.gazetteer.get((word,))
        return listed is None or listed.label == "PER" or listed.ambiguous

    # --- name lists -----------------------------------------------------------------------

    def from_lists(self, t: Tokens, infos: list[WordInfo]) -> list[Candidate]:
        found = []
        for i, info in enumerate(infos):
            if not info.readings:
                continue
            match = self._list_match(t, i, info)
            if match is None:
                continue
            cut, n, entry = match
            start, end = t.spans[i][0] + cut, t.spans[i + n - 1][1]
            label, score, rule = entry.label, entry.score, entry.source
            if label == "PER" and cut == 0 and self._previous(t, i) in self.first_names:
                start, score, rule = t.spans[i - 1][0], max(score, 0.85), "rule:first-name+list"
            found.append(Candidate(start, end, label, score, rule))
        return found

    def _list_match(self, t: Tokens, i: int, info: WordInfo) -> tuple[int, int, Entry] | None:
        readings = info.readings
        if not readings:
            return None
        longest = min(info.longest, len(t.spans) - i)
        if longest > 1:
            pairs, second = self.gazetteer.pairs, t.texts[i + 1]
            if not (t.joined[i] and any((form, second) in pairs for _, form in readings)):
                longest = 1
        for n in range(longest, 0, -1):
            if n > 1 and not t.adjacent(i, n):
                continue
            rest = tuple(t.texts[i + 1 : i + n])
            for cut, form in readings:
                entry = self.gazetteer.get((form, *rest))
                if entry is not None and (not entry.ambiguous or self._cue(t, i, n, entry.label)):
                    return cut, n, entry
        return None

    def _previous(self, t: Tokens, i: int, k: int = 1) -> str:
        """The ``k`` words before word ``i``, if only spaces separate them."""
        if i - k < 0 or not t.adjacent(i - k, k + 1):
            return ""
        return " ".join(t.texts[i - k : i])

    def _cue(self, t: Tokens, i: int, n: int, label: str) -> bool:
        """Whether an ambiguous name of ``n`` words at word ``i`` is preceded by what makes
        it a name, or is a place opening a line as a dateline: «فرانكفورت (د ب أ)»."""
        before = self._previous(t, i)
        if label in ("GPE", "LOC"):
            return (
                among(before, self.place_cues)
                or (  # «بولاية كولورادو»
                    (i == 0 or "\n" in t.gaps[i - 1]) and t.gaps[i + n - 1].lstrip(" ")[:1] in DATELINE_MARKS
                )
            )
        if label == "PER":
            return self._person_cue(t, i) or before in self.first_names  # «للرئيس الأسد»
        return False

    # --- context rules --------------------------------------------------------------------

    def from_rules(self, t: Tokens, infos: list[WordInfo]) -> list[Candidate]:
        found = []
        for label, (pattern, score, _) in self.rules.items():
            reached = 0
            for (a, _), info in zip(t.spans, infos, strict=True):
                if label not in info.anchors or a < reached:
                    continue
                m = pattern.match(t.norm, a)
                if m is None:
                    continue
                group = "span" if m.group("span") is not None else "bare"
                found.append(Candidate(m.start(group), m.end(group), label, score, f"rule:{label.lower()}"))
                reached = m.end()
        found += self._quoted_people(t, infos)
        found += self._first_names(t, infos)
        found += self._arabic_first_names(t, infos)
        found += self._titled_arabic_names(t, infos)
        found += self._organisations(t, infos)
        return found

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
            if label is not None and label != "PER":
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
            title_end = self._last_title(before, [a - line_start for a in title_starts[lo:hi]])
            if title_end is not None and len(WORD.findall(before[title_end:])) <= 6:
                found.append(Candidate(m.start("span"), m.end("span"), "PER", 0.7, "rule:title+quoted-name"))
        return found

    def _last_title(self, before: str, starts: list[int]) -> int | None:
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
                or not self._may_be_person(second)  # a place that needs a cue may: «جون بولتون»
            ):
                continue
            found.append(Candidate(t.spans[i][0], t.spans[i + 1][1], "PER", 0.7, "rule:first-name"))
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
                found.append(Candidate(t.spans[i][0], t.spans[k - 1][1], "PER", 0.65, "rule:first-names"))
                reached = k
        return found

    def _titled_arabic_names(self, t: Tokens, infos: list[WordInfo]) -> list[Candidate]:
        """An Arabic first name (or a name and its father's) after a title or a nationality,
        and the surname after it: «الحارس خالد العتيبي»، «وزير الإعلام الأردني ماجد المعايطة»،
        «المدرب عبد الرحمن حسن». The cue makes the first name a name; without one, a first
        name alone is too often a common word. «علي» stays out even so: «أكد الرئيس على»."""
        found = []
        for i in range(1, len(infos)):
            if not infos[i].arabic_first_name or t.texts[i] == KUNYA or not self._person_cue(t, i):
                continue
            k, names = self._first_names_run(t, i)
            if not names:
                continue
            # «بن خليفة»، «بن عبد العزيز»: the father's name; «آل ثاني»: the family's
            while self._joined_to(t, k, 2) and t.texts[k] in SON_OF and self._may_be_surname(t.texts[k + 1]):
                k = max(self._first_names_run(t, k + 1)[0], k + 2)
            if self._joined_to(t, k, 2) and t.texts[k] == FAMILY and self._may_be_surname(t.texts[k + 1]):
                k += 2
            elif self._joined_to(t, k, 1) and self._may_be_surname(t.texts[k]):
                k += 1
            found.append(Candidate(t.spans[i][0], t.spans[k - 1][1], "PER", 0.65, "rule:title+first-name"))
        return found

    def _first_names_run(self, t: Tokens, i: int) -> tuple[int, int]:
        """The Arabic first names in a row from word ``i``: where they end, and how many."""
        k, names = i, 0
        while (size := self._arabic_first_name_at(t, k)) > 0:
            k, names = k + size, names + 1
            if not t.joined[k - 1]:
                break
        return k, names

    @staticmethod
    def _joined_to(t: Tokens, k: int, n: int) -> bool:
        """Whether ``n`` more words follow word ``k - 1``, only spaces between them."""
        return k + n <= len(t.texts) and k > 0 and t.adjacent(k - 1, n + 1)

    def _person_cue(self, t: Tokens, i: int) -> bool:
        """A title or role right before word ``i`` (behind a proclitic too, «للرئيس»), a
        two-word one («وزير الخارجية»), or a nationality after one, or after one and its
        complement («الرئيس الفلسطيني»، «وزير الإعلام الفلسطيني»)."""
        before = self._previous(t, i)
        if among(before, self.titles) or among(self._previous(t, i, 2), self.titles):
            return True
        if self.gazetteer.label_of((before,)) != "NORP":
            return False
        return among(self._previous(t, i - 1), self.titles) or among(self._previous(t, i - 2), self.titles)

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
            and self._may_be_person(word)
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

    def _organisations(self, t: Tokens, infos: list[WordInfo]) -> list[Candidate]:
        """Head noun + name: «وكالة أسوشيتد برس»، «مجلس روسيا والناتو»، «وزارة الدفاع الروسية»."""
        found = []
        for i in range(len(t.spans) - 1):
            head = infos[i].head
            if head is None or not t.joined[i]:
                continue
            a = t.spans[i][0]
            end = self._named_after(t, i + 1, infos)
            score, rule = 0.75, "rule:org-head+name"
            if end is None:
                end, score, rule = self._definite_after(t, i + 1, infos), 0.6, "rule:org-head+noun"
            if end is not None:
                found.append(Candidate(a + head, end, "ORG", score, rule))
        return found

    def _named_after(self, t: Tokens, i: int, infos: list[WordInfo]) -> int | None:
        """End of known names from word ``i`` on, joined by و («روسيا والناتو»)."""
        end = None
        while i < len(t.spans):
            match = self._list_match(t, i, infos[i])
            if match is None or (end is not None and not t.texts[i].startswith("و")):
                break
            cut, n, entry = match
            if (end is None and cut) or entry.label not in NAMED:
                break  # «مجلس لروسيا» is not a name, nor «شركة إيرانية»
            end = t.spans[i + n - 1][1]
            i += n
            if i < len(t.spans) and not t.joined[i - 1]:
                break
        return end

    def _definite_after(self, t: Tokens, i: int, infos: list[WordInfo]) -> int | None:
        """End of one to three definite nouns and an optional nationality adjective, short
        of a date: «مجلس الأمن» in «مجلس الأمن الأسبوع المقبل»."""
        end = None
        for k in range(i, min(i + 4, len(t.spans))):
            if k > i and not t.joined[k - 1]:
                break
            word = t.texts[k]
            if not word.startswith("ال") or word in self.function_words:
                break
            if "DATE" in infos[k].anchors and self.date.match(t.norm, t.spans[k][0]):
                break
            end = t.spans[k][1]
            if self.gazetteer.label_of((word,)) == "NORP":
                break
        return end
