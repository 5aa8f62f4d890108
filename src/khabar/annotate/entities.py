"""The entity finder: words looked up once, name lists with their cues, organisations, and
the longest of the overlapping candidates of every rule.

Dates, times and money (``khabar.annotate.dates_money``) and people named without a list
(``khabar.annotate.people``) are rules of their own, which the finder runs. Everything runs
on the analysis view; candidates may overlap, and the longest wins
(schemas/guidelines.md: flat, longest name). Every span keeps its score and the rule or list
that produced it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sized

from khabar.annotate.dates_money import DateTimeMoneyRules
from khabar.annotate.gazetteer import Entry, Gazetteer, Lexicon
from khabar.annotate.headed_names import HeadedNames
from khabar.annotate.labels import DATE, FAC, GPE, LOC, NAMES, NORP, ORG, PER, RuleLabels
from khabar.annotate.names_again import drafted_names_again
from khabar.annotate.people import PersonRules
from khabar.annotate.spoken_names import SpokenNames
from khabar.annotate.titled_names import TitledUnknownNames
from khabar.annotate.tokens import NISBA_ENDS, Candidate, Tokens, WordInfo, among
from khabar.runtime.memo import KINDS, remember
from khabar.text.analysis import normalize
from khabar.text.clitics import proclitic_analyses

LABELS = RuleLabels(
    "the entity rules", __name__, produces=(ORG, PER, FAC), reads=(PER, ORG, GPE, LOC, FAC, NORP, DATE)
)

PLACES = (GPE, LOC)  # a name of these that is also a word needs a place cue
DATELINE_MARKS = frozenset("(:-–—")  # after the place a dispatch opens with: «لندن: ...»
# facility head nouns, a building by its name after them: «مطار بغداد»، «جامع
# الرحمن»، «جسر السنك». Not سوق "market", ساحة "square, arena", often not a place in news.
FACILITY_HEADS = ("مطار", "جامع", "مسجد", "كنيسة", "جسر", "مستشفى", "سجن", "فندق", "ملعب", "معتقل")
FACILITY_NORMALISED = tuple(normalize(head) for head in FACILITY_HEADS)
# each head as written and behind one proclitic letter («بمطار») -> letters before it
FACILITY_FORMS = {
    prefix + normalize(head): len(prefix) for head in FACILITY_HEADS for prefix in ("", "و", "ب", "ل", "ف")
}

# news agencies by their initials (normalised): dpa, AFP, UPI, MENA
AGENCY_INITIALS = ("د ب ا", "ا ف ب", "يو بي اي", "ا ش ا")
# a nationality in the feminine alone in parentheses: «( الفرنسية )»، «(الفرنسية - أرشيف)»
AGENCY_CREDIT = re.compile(r"\(\s*(ال\w+يه)\s*[)\-]")
RULE_CREDIT = "rule:agency-credit"


class EntityFinder:
    """Finds entity spans in canonical texts with a gazetteer and a lexicon of context words.

    ``also``: what another finder needs to know of each word (the event finder's trigger
    readings, a hashable value), kept in the word's :class:`WordInfo` so that a text's
    words are looked up once for both. ``triggers``: a word's readings as an event trigger
    (none: empty), for the rules that leave event words out, with events drafted or not.
    """

    def __init__(
        self,
        gazetteer: Gazetteer,
        lexicon: Lexicon,
        also: Callable[[str], object] | None = None,
        triggers: Callable[[str], Sized] | None = None,
    ) -> None:
        self.gazetteer = gazetteer
        self.also = also
        self.triggers = triggers
        self._event_words: dict[str, bool] = {}  # whether a word is a trigger, by word (bounded)
        self.lexicon = lexicon
        self.people = PersonRules(gazetteer, lexicon)
        self.unknown_names = TitledUnknownNames(self.people, self.event_word)
        self.spoken_names = SpokenNames(self.people)
        self.headed = HeadedNames(gazetteer, lexicon, self.event_word, self.unknown_names.unknown_word)
        self.dates = DateTimeMoneyRules(lexicon)
        self.titles = self.people.titles
        self.first_names = self.people.first_names
        self.function_words = lexicon["function_words"]
        self.place_cues = lexicon["place_cues"]
        self.place_directions = lexicon["place_directions"]
        self.org_heads = lexicon["org_heads"]
        self.org_name_ends = lexicon["org_name_ends"]
        self.anchors = self.dates.anchors
        self.all_rules = self.dates.all_rules
        self._words: dict[str, WordInfo] = {}
        self._plain: dict[object, WordInfo] = {}

    def event_word(self, word: str) -> bool:
        """Whether a word reads as an event trigger (what a name never is), remembered."""
        known = self._event_words.get(word)
        if known is None:
            known = remember(self._event_words, word, self.triggers is not None and bool(self.triggers(word)))
        return known

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
        people = self.people
        first_name = word in people.foreign_first_names
        title = not forms.isdisjoint(people.title_firsts)
        arabic = word in people.arabic_first_words
        also = self.also(word) if self.also is not None else None
        given, given_cut = people.given_reading(word, analyses)
        if readings or head is not None or anchors or first_name or title or arabic or given:
            longest = max((self.gazetteer.longest[form] for _, form in readings), default=0)
            nisba = next(
                (
                    cut
                    for cut, form in readings
                    if form.startswith("ال")
                    and form.endswith(NISBA_ENDS)
                    and self.gazetteer.label_of((form,)) == NORP
                ),
                -1,
            )
            info = WordInfo(
                readings, longest, head, anchors, first_name, title, arabic, also, given, given_cut, nisba
            )
        else:  # most words start nothing: one shared info for each kind of nothing
            plain = self._plain.get(also)
            if plain is None:
                empty = WordInfo((), 0, None, frozenset(), False, False, False, also)
                plain = remember(self._plain, also, empty, KINDS)
            info = plain
        return remember(self._words, word, info)

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
        # longest first, as above: «وقاص» before the «قاص» inside it, whatever order the
        # surnames were found in
        again = self.people.surnames_again(t, chosen, taken)
        for c in sorted(again, key=lambda c: (-(c.end - c.start), c.start)):
            if taken.find(1, c.start, c.end) == -1:
                chosen.append(c)
                taken[c.start : c.end] = b"\x01" * (c.end - c.start)
        chosen += drafted_names_again(t, chosen, taken, self.gazetteer, self.function_words)
        return sorted(chosen, key=lambda c: c.start)

    def from_rules(self, t: Tokens, infos: list[WordInfo]) -> list[Candidate]:
        """The candidates of the context rules: dates, times, money, people, organisations."""
        found = self.dates.find(t, infos)
        found += self.people.find(t, infos)
        found += self.unknown_names.find(t, infos)
        found += self.spoken_names.find(t)
        found += self._organisations(t, infos)
        found += self._facilities(t, infos)
        found += self.headed.find(t, infos)
        found += self._credits(t, infos)
        return found

    def _credits(self, t: Tokens, infos: list[WordInfo]) -> list[Candidate]:
        """A news agency named by its nationality in a photo credit: «( الفرنسية )»،
        «(الأوروبية - أرشيف)» (Agence France-Presse, European Pressphoto Agency); and the
        agencies' initials in a dateline: «كاتمندو - د ب أ :»."""
        norm = t.norm
        found = []
        for initials in AGENCY_INITIALS:  # str.find runs in C; a regular expression tries every offset
            at = norm.find(initials)
            while at != -1:
                end = at + len(initials)
                if not norm[at - 1 : at].isalnum() and not norm[end : end + 1].isalnum():
                    found.append(Candidate(at, end, ORG, 0.95, RULE_CREDIT))
                at = norm.find(initials, end)
        if "(" not in norm:
            return found
        for m in AGENCY_CREDIT.finditer(norm):
            entry = self.gazetteer.get((m.group(1),))
            if entry is not None and entry.label == NORP:
                found.append(Candidate(m.start(1), m.end(1), ORG, 0.95, RULE_CREDIT))
        return found

    def _facilities(self, t: Tokens, infos: list[WordInfo]) -> list[Candidate]:
        """A facility head noun without the article and a name: a listed one, or one or
        more definite nouns («مستشفى أبو يوسف النجار» is left to a model)."""
        found = []
        for i in t.words_holding(FACILITY_NORMALISED, FACILITY_FORMS):
            if t.joined[i]:
                end = self._named_after(t, i + 1, infos) or self._definite_after(t, i + 1, infos)
                if end is not None:
                    cut = FACILITY_FORMS[t.texts[i]]
                    found.append(Candidate(t.spans[i][0] + cut, end, FAC, 0.6, "rule:facility+name"))
        return found

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
            if label == PER and cut == 0 and t.previous(i) in self.first_names:
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

    def _cue(self, t: Tokens, i: int, n: int, label: str) -> bool:
        """Whether an ambiguous name of ``n`` words at word ``i`` is preceded by what makes
        it a name, or is a place opening a line as a dateline: «فرانكفورت (د ب أ)»."""
        before = t.previous(i)
        if label in PLACES:
            return (
                among(before, self.place_cues)
                or (  # «بعقوبة شمال شرق العاصمة»
                    i + n < len(t.texts) and t.joined[i + n - 1] and t.texts[i + n] in self.place_directions
                )
                or (  # «بولاية كولورادو»
                    (i == 0 or "\n" in t.gaps[i - 1]) and t.gaps[i + n - 1].lstrip(" ")[:1] in DATELINE_MARKS
                )
            )
        if label == PER:
            return self.people.person_cue(t, i) or before in self.first_names  # «للرئيس الأسد»
        return False

    # --- organisations named by their head noun -------------------------------------------

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
            if end is None:
                end, score, rule = self._chain_after(t, i + 1, infos), 0.6, "rule:org-head+chain"
            if end is not None:
                found.append(Candidate(a + head, end, ORG, score, rule))
        return found

    def _named_after(self, t: Tokens, i: int, infos: list[WordInfo]) -> int | None:
        """End of known names from word ``i`` on, joined by و («روسيا والناتو»)."""
        end = None
        while i < len(t.spans):
            match = self._list_match(t, i, infos[i])
            if match is None or (end is not None and not t.texts[i].startswith("و")):
                break
            cut, n, entry = match
            if (end is None and cut) or entry.label not in NAMES:  # what an organisation is named after
                break  # «مجلس لروسيا» is not a name, nor «شركة إيرانية»
            end = t.spans[i + n - 1][1]
            i += n
            if i < len(t.spans) and not t.joined[i - 1]:
                break
        return end

    def _chain_after(self, t: Tokens, i: int, infos: list[WordInfo]) -> int | None:
        """End of a construct chain: one or two nouns without the article, then a name or
        definite nouns («حركة تحرير السودان»، «مجلس شورى المجاهدين»، «رابطة أصحاب محطات
        الوقود»). Not a title's chain («مكتب رئيس الوزراء»): an office, not its name."""
        k = i
        while k < min(i + 2, len(t.spans) - 1) and t.joined[k]:
            word = t.texts[k]
            if (
                word.startswith(("ال", "و", "ب", "ل", "ف", "ك"))
                or not word.isalpha()
                or word in self.function_words
                or word in self.people.title_firsts
                or infos[k].head is not None
                or self.gazetteer.label_of((word,)) == NORP  # «حزب إسلامي التوجه»: what it is
            ):
                break
            k += 1
            named = self._named_after(t, k, infos)
            if named is not None:
                return named
            definite = self._definite_after(t, k, infos)
            if definite is not None:
                return definite
        return None

    def _definite_after(self, t: Tokens, i: int, infos: list[WordInfo]) -> int | None:
        """End of one to three definite nouns and an optional nationality adjective, short
        of a date: «مجلس الأمن» in «مجلس الأمن الأسبوع المقبل»."""
        end = None
        for k in range(i, min(i + 4, len(t.spans))):
            if k > i and not t.joined[k - 1]:
                break
            word = t.texts[k]
            if not word.startswith("ال") or word in self.function_words or word in self.org_name_ends:
                break  # «مجلس الأمن التابع للأمم المتحدة»: what it is, not its name
            if word in self.titles:
                break  # a person's title: «الأمين العام لحزب الله السيد حسن نصر الله»
            if DATE in infos[k].anchors and self.dates.date.match(t.norm, t.spans[k][0]):
                break  # «الأسبوع المقبل»
            end = t.spans[k][1]
            if self.gazetteer.label_of((word,)) == NORP:
                break
        return end
