"""The CRF's features: what the entity tagger (and the trigger tagger, which adds its own)
sees of each token, made once per word form where they depend on the form alone.

The token and its analysis-view form, its clitic-stripped readings, its first and last
one to four letters, its length, how common it is in Arabic at large
(``khabar.text.word_frequency``), the derived name lists' word for it, a title, a function
word; the token paired with its left and its right neighbour; the same of its neighbours;
and the rules' own opinion (name lists and context rules, as IOB tags). Tagging, only the
features a model has weights for are made (``known``). Also where a predicted span's
proclitics are snapped off, which depends on the same per-form memos.
"""

from __future__ import annotations

from collections.abc import Callable, Set
from dataclasses import dataclass

from khabar.annotate.entities import EntityFinder
from khabar.annotate.tokens import Candidate, Tokens, among
from khabar.corpus.model import Document, Span
from khabar.runtime.memo import FEATURE_WORDS, remember
from khabar.text.analysis import SPAN_EDGE, Analysis, normalize, sentences, tokens
from khabar.text.clitics import proclitic_analyses
from khabar.text.snapping import Drawn, snap_span
from khabar.text.tagging import tags_of_spans
from khabar.text.word_frequency import zipf_bands

AFFIXES = (1, 2, 3, 4)  # letters of a token's prefix and suffix features
# a token and its neighbour as one feature: kind, left form, this join, right form
PAIR_WITH_LEFT, PAIR_WITH_RIGHT, PAIR_JOIN = "bg-=", "bg+=", " "

# A feature as crfsuite is handed it: a str when training; UTF-8 bytes when tagging, made
# once per memo entry, because pycrfsuite encodes every str anew at every token (tagging
# the benchmark's news: 0.125 s/MB with str, 0.103 with bytes)
Feature = str | bytes


# Features made once and put together per token, each an empty tuple where the model has
# no such feature. A form's as a neighbour: (word as the left one, word as the right one,
# title mark as the left one, as the right one). A tag's (the rules', the trigger
# lexicon's): (the token's own, as the left neighbour, as the right neighbour).
_Neighbour = tuple[tuple[Feature, ...], tuple[Feature, ...], tuple[Feature, ...], tuple[Feature, ...]]
_TagFeatures = tuple[tuple[Feature, ...], tuple[Feature, ...], tuple[Feature, ...]]
# The known pair features of one kind: first form -> second form -> the feature.
_Pairs = dict[str, dict[str, bytes]]


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence's tokens (canonical offsets), their normalised forms and their features."""

    spans: list[tuple[int, int]]
    forms: list[str]
    features: list[list[Feature]]


class Featurizer:
    """Turns documents into CRF sentences, with the rules' predictions as features."""

    def __init__(self, finder: EntityFinder, known: Set[str] | None = None) -> None:
        """``known``: the attributes a trained model has weights for. Tagging, crfsuite
        skips every other feature, so they are left out before they are handed over (rare
        words and their neighbours: more than half, with the benchmark's model); training
        needs them all."""
        self.finder = finder
        self.titles = finder.titles
        self.first_names = finder.first_names
        self.given = finder.gazetteer.given
        self.surnames = finder.gazetteer.surnames
        self.other_names = finder.gazetteer.other_names
        self.function_words = finder.function_words
        self.bands = zipf_bands()
        self.known = known
        self._forms: dict[str, str] = {}
        self._own: dict[str, list[Feature]] = {}
        self._around: dict[str, _Neighbour] = {}
        self._tags: dict[str, dict[str, _TagFeatures]] = {}
        self._snapped: dict[str, tuple[int, int] | None] = {}
        self._readings: dict[str, tuple[tuple[int, str], ...]] = {}
        self._bos, self._eos = self.kept("BOS"), self.kept("EOS")
        self._known_pairs = None if known is None else _pair_features(known)

    def kept(self, *features: str | None) -> tuple[Feature, ...]:
        """The features given, as crfsuite is handed them: all of them when training, the
        known ones as bytes when tagging."""
        known = self.known
        if known is None:
            return tuple(f for f in features if f is not None)
        return tuple(f.encode() for f in features if f is not None and f in known)

    def form(self, token: str) -> str:
        value = self._forms.get(token)
        if value is None:
            value = remember(self._forms, token, normalize(token), FEATURE_WORDS)
        return value

    def readings(self, form: str) -> tuple[tuple[int, str], ...]:
        """A normalised form's (stem offset, lookup form) readings, the whole form first
        (``proclitic_analyses``; a one-letter form is its own reading), made once per form
        for the features and for names again, which looks a document's names up at every
        token."""
        value = self._readings.get(form)
        if value is None:
            value = proclitic_analyses(form) or ((0, form),)
            remember(self._readings, form, value, FEATURE_WORDS)
        return value

    def sentences(
        self, doc: Document, analysis: Analysis | None = None, rules: list[Candidate] | None = None
    ) -> list[Sentence]:
        """The document's sentences with features (``analysis`` and the rules' ``rules``
        candidates when the caller already has them)."""
        analysis = analysis or Analysis.of(doc.text)
        if rules is None:
            rules = self.finder.find(Tokens(analysis.norm))
        all_spans = [span for a, b in sentences(doc.text) for span in [tokens(doc.text, a, b)]]
        flat = [t for spans in all_spans for t in spans]
        # the rules' IOB tag of each token: B- on the token a rule span starts in (after its
        # clitics, as in «لأوكرانيا»), I- on the tokens it goes on into
        rule_tags = tags_of_spans(
            flat, [(analysis.start(c.start), analysis.end(c.end), c.label) for c in rules]
        )
        out = []
        k = 0
        for spans in all_spans:
            forms = [self.form(doc.text[a:b]) for a, b in spans]
            tags = rule_tags[k : k + len(spans)]
            k += len(spans)
            out.append(Sentence(spans, forms, self._features(forms, tags)))
        return out

    def _intrinsic(self, w: str) -> list[Feature]:
        """The features of a token on its own, made once per form."""
        made = self._own.get(w)
        if made is not None:
            return made
        band = self.bands.band
        features = ["bias", f"w={w}", f"zipf={band(w)}", f"len={min(len(w), 9)}"]
        features += [f"p{n}={w[:n]}" for n in AFFIXES] + [f"s{n}={w[-n:]}" for n in AFFIXES]
        if w.startswith("ال"):
            features.append("al")
        if w[:1].isdigit():
            features.append("digit")
        elif not w[:1].isalnum():
            features.append(f"punct={w}")
        for cut, stem in self.readings(w)[1:2]:
            features.append(f"stem={stem}")
            features.append(f"clitic={w[:cut]}")
            features.append(f"stem-zipf={band(stem)}")
        features += self._name_lists(w)
        if w in self.function_words:
            features.append("common")
        if w in self.titles:
            features.append("title")
        if among(w, self.first_names):
            features.append("first-name")
        if len(w) > 4 and w.startswith("ال") and w.endswith("ي"):
            features.append("nisba")  # «الربيعي»، «الهاشمي»: surnames as often as adjectives
        return remember(self._own, w, list(self.kept(*features)), FEATURE_WORDS)

    def _name_lists(self, w: str) -> list[str]:
        """The derived name lists' word for a token (or for its reading without proclitics):
        ``given=1`` a given name of the most common band (1 .. 4), ``surname=2``, ``name``
        another listed name word. Measured elsewhere: on ANERcorp's test part such features
        moved the CRF from 0.681 to 0.705 (shared/data/external/README.md)."""
        listed = (self.given, self.surnames, self.other_names)
        form = w if any(w in names for names in listed) else None
        for _, stem in self.readings(w)[1:2]:
            form = form or (stem if any(stem in names for names in listed) else None)
        if form is None:
            return []
        out = [f"given={self.given[form]}"] if form in self.given else []
        if form in self.surnames:
            out.append(f"surname={self.surnames[form]}")
        if not out:
            out.append("name")
        return out

    def _neighbour(self, w: str) -> _Neighbour:
        """A token's features as the left and right neighbour of another, made once per form."""
        made = self._around.get(w)
        if made is None:
            title = w in self.titles
            first = among(w, self.first_names)
            lists = self._name_lists(w)
            made = (
                self.kept(f"w-1={w}"),
                self.kept(f"w+1={w}"),
                self.kept(
                    "title-1" if title else None,
                    "first-name-1" if first else None,
                    *(f + "-1" for f in lists),
                ),
                self.kept(
                    "title+1" if title else None,
                    "first-name+1" if first else None,
                    *(f + "+1" for f in lists),
                ),
            )
            remember(self._around, w, made, FEATURE_WORDS)
        return made

    def _pairs(self, forms: list[str]) -> tuple[list[Feature | None], list[Feature | None]]:
        """Each token with its left and with its right neighbour as one feature («بن لادن»,
        «وزير الخارجية»); None where the model has no weight for the pair."""
        padded = ["BOS", *forms, "EOS"]
        ends = range(1, len(padded) - 1)
        if self._known_pairs is None:  # training: every pair
            return (
                [PAIR_WITH_LEFT + padded[i - 1] + PAIR_JOIN + padded[i] for i in ends],
                [PAIR_WITH_RIGHT + padded[i] + PAIR_JOIN + padded[i + 1] for i in ends],
            )
        # tagging: few pairs are known, and most words begin none, so look the pair up by
        # its first word, then its second, before any string is made
        with_left, with_right = self._known_pairs
        left: list[Feature | None] = []
        right: list[Feature | None] = []
        for i in ends:
            seconds = with_left.get(padded[i - 1])
            left.append(None if seconds is None else seconds.get(padded[i]))
            seconds = with_right.get(padded[i])
            right.append(None if seconds is None else seconds.get(padded[i + 1]))
        return left, right

    def tag_features(self, kind: str, tag: str) -> _TagFeatures:
        """An IOB tag of a token (``kind``: ``rule`` the rules', ``lex`` the trigger
        lexicon's) as a feature of itself, of the next token and of the previous one, made
        once per tag (a few: B-/I- of each label, and O)."""
        by_tag = self._tags.get(kind)
        if by_tag is None:
            by_tag = self._tags[kind] = {}
        made = by_tag.get(tag)
        if made is None:
            made = by_tag[tag] = (
                self.kept(f"{kind}={tag}"),
                self.kept(f"{kind}-1={tag}"),
                self.kept(f"{kind}+1={tag}"),
            )
        return made

    def _features(self, forms: list[str], rule_tags: list[str]) -> list[list[Feature]]:
        """The features of each token of a sentence: its own, its neighbours', the rules' tags."""
        own = [self._intrinsic(w) for w in forms]
        around = [self._neighbour(w) for w in forms]
        rules = [self.tag_features("rule", tag) for tag in rule_tags]
        left, right = self._pairs(forms)
        last = len(forms) - 1
        out = []
        for i in range(len(forms)):
            features = [*own[i], *rules[i][0]]
            pair = left[i]
            if pair is not None:
                features.append(pair)
            pair = right[i]
            if pair is not None:
                features.append(pair)
            if i > 0:
                word, _, title, _ = around[i - 1]
                features += word
                features += rules[i - 1][1]
                features += title
            else:
                features += self._bos
            if i < last:
                _, word, _, title = around[i + 1]
                features += word
                features += rules[i + 1][2]
                features += title
            else:
                features += self._eos
            out.append(features)
        return out

    def snap(self, text: str, start: int, end: int) -> tuple[int, int] | None:
        """A predicted span's edges with its proclitics snapped off (None if nothing is left)."""
        before = text[start - 1] if start > 0 else " "
        if text[start] not in SPAN_EDGE and not before.isspace() and before not in SPAN_EDGE:
            return _snap(text, start, end, self.finder.known)  # it starts inside a word
        # names repeat: a form that starts after a space, a quote or a bracket, or with one
        # (stripped first), snaps the same anywhere, so snap each form once
        surface = text[start:end]
        if surface in self._snapped:
            relative = self._snapped[surface]
        else:
            relative = _snap(surface, 0, end - start, self.finder.known)
            remember(self._snapped, surface, relative)
        return None if relative is None else (start + relative[0], start + relative[1])


def _pair_features(known: Set[str]) -> tuple[_Pairs, _Pairs]:
    """The known pair features with the left neighbour and with the right one, each by its
    first form then its second, as ``Featurizer._pairs`` would make them (``kind + first +
    PAIR_JOIN + second``) and as tagging hands them over (bytes)."""
    with_left: _Pairs = {}
    with_right: _Pairs = {}
    for feature in known:
        kind = feature[: len(PAIR_WITH_LEFT)]
        if kind in (PAIR_WITH_LEFT, PAIR_WITH_RIGHT):
            pairs = with_left if kind == PAIR_WITH_LEFT else with_right
            words = feature[len(kind) :]
            # a form has a space only where a ligature expands («ﷺ»): every split of such
            # a pair makes the same string
            for cut in (k for k, ch in enumerate(words) if ch == PAIR_JOIN):
                pairs.setdefault(words[:cut], {})[words[cut + 1 :]] = feature.encode()
    return with_left, with_right


def _snap(text: str, start: int, end: int, known: Callable[[str], bool]) -> tuple[int, int] | None:
    # a prediction is a run of whole tokens, proclitics and all (gold tags tag the token
    # «والمجلس» for the name «المجلس»), so و + ال is cut, not asked (khabar.text.snapping)
    snapped = snap_span(text, Span(start, end, "", text[start:end]), known, Drawn.MACHINE).span
    return None if snapped is None else (snapped.start, snapped.end)
