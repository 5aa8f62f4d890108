"""The date, time and money rules: patterns built from the lexicon's calendar and number words.

Each rule is a regular expression over the analysis view, tried only at the words it can
start with (its anchors: «يوم»، a month, a number word, any digit ...), proclitics
outside the span: «في 12 يناير»، «بخمسة ملايين دولار»، «لمدة ساعتين».
"""

from __future__ import annotations

import re

from khabar.annotate.gazetteer import Lexicon
from khabar.annotate.labels import DATE, MONEY, TIME, RuleLabels
from khabar.annotate.tokens import Candidate, Tokens, WordInfo, alternation

LABELS = RuleLabels("the date, time and money rules", __name__, produces=(DATE, TIME, MONEY))

# Durations over a day are dates (corpus conventions), «منذ» or «قبل» inside the span:
# «ثلاث سنوات»، «قبل 12 يوما»، «منذ ثلاث سنوات»، «يومين»، «عدة أشهر»; normalised forms.
DAYS_OR_MORE = "(?:يوما|ايام|اسبوعا|اسابيع|شهرا|اشهر|شهور|سنوات|سنين|عاما|اعوام|عام|سنه)"
DUALS = "(?:يومين|اسبوعين|شهرين|سنتين|عامين)"
SINCE = "(?:قبل|منذ)"
SOME = "(?:عده|بضعه)"
DURATION_STARTS = {
    "قبل",
    "منذ",
    "عده",
    "بضعه",
    "يومين",
    "اسبوعين",
    "شهرين",
    "سنتين",
    "عامين",
    "يوما",
    "شهرا",
    "عاما",
}
# the part of a day before a day: «صباح أمس»، «فجر الجمعة» are times (TIME)
DAY_PART_NOUNS = "(?:صباح|مساء|فجر|ظهر|عصر|ليله)"
# scales in the accusative («197 مليونا و420 ألف دولار»)
ACCUSATIVE_SCALES = ("الفا", "مليونا", "مليارا")


def _bounded(body: str) -> re.Pattern[str]:
    """``body`` (with a group named span) as whole words, after optional proclitics."""
    return re.compile(rf"(?<!\w)(?:[وف]?[بلك]?)(?P<span>{body})(?!\w)")


def _glued(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` for a number glued to the word before it, as some news text writes it
    («بلغت قيمتها405 ملايين دولار»، «عام2013»): it starts at the first digit."""
    return re.compile(pattern.pattern.replace(r"(?<!\w)(?:[وف]?[بلك]?)", r"(?<!\d)", 1))


GLUED_NUMBER = re.compile(r"(?<=[^\W\d])\d")  # a digit right after a letter


class DateTimeMoneyRules:
    """The patterns of dates, times and amounts of money, and the words each may start with."""

    def __init__(self, lexicon: Lexicon) -> None:
        lx = lexicon
        ordinal = alternation(lx["ordinals"])
        day = rf"(?:{ordinal}|\d{{1,2}})"
        days = rf"{day}(?:\s+و{day})*"
        month = alternation((lx["months"] | lx["hijri_months"]) - lx["ambiguous_months"])
        any_month = alternation(lx["months"] | lx["hijri_months"])
        modifier = alternation(lx["date_modifiers"])
        year = r"\d{4}"
        number_any = rf"(?:\d+|{alternation(lx['number_words'])})"
        weekday = alternation(lx["weekdays"])
        relative = alternation(lx["relative_days"])
        # a month with «شهر» before it and its other calendar's name after a slash: «شهر
        # سبتمبر / أيلول الماضي»; «شهر» makes a month that is also a word a month (شهر رمضان)
        named = rf"(?:شهر\s+)?{any_month}(?:\s*/\s*{any_month})?"
        with_month = (
            rf"(?:يوم\s+)?{days}\s+(?:من\s+)?(?:{named}|الشهر)(?:\s+(?:{year}|{modifier}))?"
            rf"|{named}\s+(?:{year}|{modifier})|الشهر\s+{modifier}|شهر\s+{any_month}|{month}"
        )
        edge = alternation(lx["date_edges"])  # «مطلع الأسبوع المقبل»، «أواخر الشهر الجاري»
        self.date = _bounded(
            rf"(?:{relative}\s+)?(?:يوم\s+(?:غد\s+)?)?{weekday}(?:\s+{modifier})?(?:\s+(?:{with_month}))?"
            rf"|يومي\s+{weekday}\s+و{weekday}(?:\s+{modifier})?"
            rf"|(?:{edge}\s+)?(?:{with_month})"
            rf"|(?:{edge}\s+)?{alternation(lx['periods'])}\s+{modifier}"
            rf"|(?:عام|العام|سنه|السنه)\s+{year}"
            rf"|{relative}"
            rf"|(?:{SINCE}\s+)?(?:(?:{number_any}|{SOME})\s+{DAYS_OR_MORE}|{DUALS})"
            rf"|{SINCE}\s+(?:ايام|اسابيع|اشهر|شهور|سنوات|اعوام)"
            rf"|(?:يوما|يوم|شهرا|عاما)\s+(?:واحدا|واحد)"
        )
        number = rf"(?:\d+(?:[.,]\d+)?|{alternation(lx['number_words'])})"
        unit = alternation(lx["time_units"])
        approx = alternation(lx["approximately"])
        self.time = re.compile(
            rf"(?<!\w)(?:[وف]?[بلك]?)(?P<span>{DAY_PART_NOUNS}\s+(?:{relative}|{weekday})(?:\s+{modifier})?"
            rf"|{number}\s+{unit}(?:\s+{approx})?"
            rf"|{alternation(lx['day_parts'])}"
            rf"|الساعه\s+(?:\d{{1,2}}(?:[:.]\d{{2}})?|{ordinal})(?:\s+{alternation(lx['day_parts'])})?)(?!\w)"
            rf"|(?<!\w)(?:لمده|نحو|حوالي|قرابه|طيله|طوال|مده)\s+(?P<bare>{unit}(?:\s+{approx})?)(?!\w)"
        )
        scale = alternation(lx["scales"] | set(ACCUSATIVE_SCALES))
        self.money = _bounded(
            rf"{number}(?:\s+{scale})?(?:\s+و{number}(?:\s+{scale})?)*\s+{alternation(lx['currencies'])}"
            rf"(?:\s+(?:امريكي|اميركي|استرليني))?"
        )

        def firsts(*keys: str) -> set[str]:
            return {phrase.split()[0] for key in keys for phrase in lx[key]}

        # The words a rule can start with: a rule's pattern is only tried where one is.
        self.rules = {
            DATE: (
                self.date,
                0.85,
                firsts("relative_days", "weekdays", "months", "hijri_months", "ordinals", "periods")
                | firsts("number_words")
                | DURATION_STARTS
                | firsts("date_edges")
                | {"يوم", "يومي", "شهر", "الشهر", "عام", "العام", "سنه", "السنه"},
            ),
            TIME: (
                self.time,
                0.8,
                firsts("number_words", "day_parts", "time_units")
                | {"الساعه", "لمده", "نحو", "حوالي", "قرابه", "طيله", "طوال", "مده"}
                | {"صباح", "مساء", "فجر", "ظهر", "عصر", "ليله"},
            ),
            MONEY: (self.money, 0.85, firsts("number_words")),
        }
        # a glued number starts a date or an amount, not a time («الساعه» comes first)
        self.glued = {label: _glued(self.rules[label][0]) for label in (DATE, MONEY)}
        #: the rules that may start at a (proclitic-free) word; all of them after a digit
        self.anchors: dict[str, frozenset[str]] = {}
        for rule, (_, _, starts) in self.rules.items():
            for start in starts:
                self.anchors[start] = self.anchors.get(start, frozenset()) | {rule}
        self.all_rules = frozenset(self.rules)

    def find(self, t: Tokens, infos: list[WordInfo]) -> list[Candidate]:
        """Dates, times and amounts of money, each rule tried at the words it may start with."""
        found = []
        for label, (pattern, score, _) in self.rules.items():
            reached = 0
            for (a, b), info in zip(t.spans, infos, strict=True):
                if label not in info.anchors or a < reached:
                    continue
                m = pattern.match(t.norm, a)
                if m is None and label in self.glued and t.norm[b - 1].isdigit():
                    digit = GLUED_NUMBER.search(t.norm, a, b)
                    m = self.glued[label].match(t.norm, digit.start()) if digit else None
                if m is None:
                    continue
                group = "span" if m.group("span") is not None else "bare"
                found.append(Candidate(m.start(group), m.end(group), label, score, f"rule:{label.lower()}"))
                reached = m.end()
        return found
