"""A statistical entity tagger (a linear-chain CRF, python-crfsuite) that learns from the
gold and human-reviewed layers of a project, offline, on a laptop.

Tokens are the text's tokens (words with their attached clitics, and punctuation); the
features are the token and its analysis-view form, its clitic-stripped readings, prefixes
and suffixes, shape, the rules' own opinion (name lists and context rules, as IOB tags)
and the same of its neighbours. A predicted span leaves clear proclitics outside
(``khabar.snap``), as the guidelines say. This is the only module that imports pycrfsuite.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Set
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pycrfsuite

from khabar import __version__
from khabar.annotate.entities import Candidate, EntityFinder, Tokens, among
from khabar.corpus.model import Document, Layer, Span, kept_score
from khabar.corpus.store import atomic_write
from khabar.errors import KhabarError
from khabar.text.analysis import SPAN_EDGE, Analysis, normalize, sentences, tokens
from khabar.text.clitics import proclitic_analyses
from khabar.text.snapping import Drawn, snap_span

PARAMS = {"c1": 0.05, "c2": 0.05, "max_iterations": 150, "feature.possible_transitions": True}


# Features made once and put together per token, each an empty tuple where the model has
# no such feature. A form's as a neighbour: (word as the left one, word as the right one,
# title mark as the left one, as the right one). The rules' tag's: (the token's own, as
# the left neighbour, as the right neighbour).
_Neighbour = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[str, ...]]
_RuleTag = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence's tokens (canonical offsets) and their features."""

    spans: list[tuple[int, int]]
    features: list[list[str]]


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
        self.known = known
        self._forms: dict[str, str] = {}
        self._own: dict[str, list[str]] = {}
        self._around: dict[str, _Neighbour] = {}
        self._rules: dict[str, _RuleTag] = {}
        self._snapped: dict[str, tuple[int, int] | None] = {}
        self._bos, self._eos = self._kept("BOS"), self._kept("EOS")

    def _kept(self, *features: str | None) -> tuple[str, ...]:
        known = self.known
        return tuple(f for f in features if f is not None and (known is None or f in known))

    def form(self, token: str) -> str:
        value = self._forms.get(token)
        if value is None:
            value = normalize(token)
            if len(self._forms) < 200_000:
                self._forms[token] = value
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
        ends = [b for _, b in flat]
        # the rules' IOB tag of each token: B- on the token a rule span starts in (after its
        # clitics, as in «لأوكرانيا»), I- on the tokens it goes on into
        rule_tags = ["O"] * len(flat)
        for c in rules:
            start, end = analysis.start(c.start), analysis.end(c.end)
            k = bisect.bisect_right(ends, start)
            if k < len(flat) and flat[k][0] < end:
                rule_tags[k] = f"B-{c.label}"
                k += 1
                while k < len(flat) and flat[k][0] < end:
                    rule_tags[k] = f"I-{c.label}"
                    k += 1
        out = []
        k = 0
        for spans in all_spans:
            forms = [self.form(doc.text[a:b]) for a, b in spans]
            tags = rule_tags[k : k + len(spans)]
            k += len(spans)
            out.append(Sentence(spans, self._features(forms, tags)))
        return out

    def _intrinsic(self, w: str) -> list[str]:
        """The features of a token on its own, made once per form."""
        features = self._own.get(w)
        if features is not None:
            return features
        features = ["bias", f"w={w}", f"p3={w[:3]}", f"s3={w[-3:]}"]
        if w.startswith("ال"):
            features.append("al")
        if w[:1].isdigit():
            features.append("digit")
        elif not w[:1].isalnum():
            features.append(f"punct={w}")
        for cut, stem in proclitic_analyses(w)[1:2]:
            features.append(f"stem={stem}")
            features.append(f"clitic={w[:cut]}")
        if w in self.titles:
            features.append("title")
        if among(w, self.first_names):
            features.append("first-name")
        if len(w) > 4 and w.startswith("ال") and w.endswith("ي"):
            features.append("nisba")  # «الربيعي»، «الهاشمي»: surnames as often as adjectives
        if self.known is not None:
            features = list(self._kept(*features))
        if len(self._own) < 200_000:
            self._own[w] = features
        return features

    def _neighbour(self, w: str) -> _Neighbour:
        """A token's features as the left and right neighbour of another, made once per form."""
        made = self._around.get(w)
        if made is None:
            title = w in self.titles
            first = among(w, self.first_names)
            made = (
                self._kept(f"w-1={w}"),
                self._kept(f"w+1={w}"),
                self._kept("title-1" if title else None, "first-name-1" if first else None),
                self._kept("title+1" if title else None, "first-name+1" if first else None),
            )
            if len(self._around) < 200_000:
                self._around[w] = made
        return made

    def _rule(self, tag: str) -> _RuleTag:
        """The rules' tag of a token as a feature of itself, of the next token and of the
        previous one (a few tags: B-/I- of each label, and O)."""
        made = self._rules.get(tag)
        if made is None:
            made = self._rules[tag] = (
                self._kept(f"rule={tag}"),
                self._kept(f"rule-1={tag}"),
                self._kept(f"rule+1={tag}"),
            )
        return made

    def _features(self, forms: list[str], rule_tags: list[str]) -> list[list[str]]:
        """The features of each token of a sentence: its own, its neighbours', the rules' tags."""
        own = [self._intrinsic(w) for w in forms]
        around = [self._neighbour(w) for w in forms]
        rules = [self._rule(tag) for tag in rule_tags]
        last = len(forms) - 1
        out = []
        for i in range(len(forms)):
            features = [*own[i], *rules[i][0]]
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
            if len(self._snapped) < 100_000:
                self._snapped[surface] = relative
        return None if relative is None else (start + relative[0], start + relative[1])


def _snap(text: str, start: int, end: int, known: Callable[[str], bool]) -> tuple[int, int] | None:
    # a prediction is a run of whole tokens, proclitics and all (token_tags tags the token
    # «والمجلس» for the name «المجلس»), so و + ال is cut, not asked (khabar.snap)
    snapped = snap_span(text, Span(start, end, "", text[start:end]), known, Drawn.MACHINE).span
    return None if snapped is None else (snapped.start, snapped.end)


def token_tags(sentence: Sentence, entities: Iterable[Span]) -> list[str]:
    """IOB2 tags of a sentence's tokens from entity spans (a span inside a token, after its
    clitics, tags the whole token)."""
    tags = ["O"] * len(sentence.spans)
    for span in entities:
        inside = [k for k, (a, b) in enumerate(sentence.spans) if a < span.end and span.start < b]
        for n, k in enumerate(inside):
            tags[k] = f"{'B' if n == 0 else 'I'}-{span.label}"
    return tags


@dataclass(frozen=True)
class Model:
    """A trained tagger and what is known of it (``meta``: data, parameters, scores)."""

    path: Path
    meta: dict[str, Any]

    def tagger(self) -> pycrfsuite.Tagger:
        tagger = pycrfsuite.Tagger()
        tagger.open(str(self.path / "model.crfsuite"))
        return tagger

    def tagging(self, finder: EntityFinder) -> tuple[Featurizer, pycrfsuite.Tagger]:
        """A tagger of this model, and a featurizer that makes only the features the model
        has weights for (tagging, crfsuite skips any other)."""
        tagger = self.tagger()
        return Featurizer(finder, frozenset(tagger.info().attributes)), tagger

    @classmethod
    def load(cls, path: Path) -> Model:
        meta_path = path / "meta.json"
        if not meta_path.is_file() or not (path / "model.crfsuite").is_file():
            raise KhabarError(
                f"{path} is not a khabar model (model.crfsuite and meta.json)",
                hint="`khabar train` makes one under models/",
            )
        return cls(path, json.loads(meta_path.read_text(encoding="utf-8")))


def train(
    pairs: Iterable[tuple[Document, Layer]],
    featurizer: Featurizer,
    folder: Path,
    *,
    params: dict[str, Any] | None = None,
) -> Model:
    """Train on (document, human layer) pairs and save the model into ``folder``."""
    trainer = pycrfsuite.Trainer(verbose=False)
    trainer.set_params({**PARAMS, **(params or {})})
    documents = sentence_count = token_count = 0
    labels: Counter[str] = Counter()
    digest = hashlib.sha256()
    for doc, layer in pairs:
        documents += 1
        digest.update(doc.sha256.encode())
        for sentence in featurizer.sentences(doc):
            tags = token_tags(sentence, layer.entities)
            trainer.append(sentence.features, tags)
            sentence_count += 1
            token_count += len(tags)
        labels.update(s.label for s in layer.entities)
    if not documents:
        raise KhabarError(
            "no document has a gold or reviewed layer to learn from",
            hint="review documents in Label Studio (`khabar pull`) or ingest gold annotations",
        )
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=folder, suffix=".tmp", delete=False) as tmp:
        staging = Path(tmp.name)
    try:
        trainer.train(str(staging))
        staging.replace(folder / "model.crfsuite")
    finally:
        staging.unlink(missing_ok=True)
    meta = {
        "id": folder.name,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "khabar": __version__,
        "data": {
            "documents": documents,
            "sentences": sentence_count,
            "tokens": token_count,
            "entities": dict(sorted(labels.items())),
            "sha256": digest.hexdigest(),
        },
        "params": {**PARAMS, **(params or {})},
    }
    atomic_write(folder / "meta.json", json.dumps(meta, ensure_ascii=False, indent=1) + "\n")
    return Model(folder, meta)


def predict(doc: Document, featurizer: Featurizer, tagger: pycrfsuite.Tagger) -> tuple[list[Span], float]:
    """Entity spans of a document (proclitics snapped off) and one minus the mean
    probability the model gives its own tags."""
    found, doubt = _predicted(doc, featurizer, tagger)
    text = doc.text
    return [Span(a, b, label, text[a:b], kept_score(score), "crf") for a, b, label, score in found], doubt


def _predicted(
    doc: Document,
    featurizer: Featurizer,
    tagger: pycrfsuite.Tagger,
    *,
    analysis: Analysis | None = None,
    rules: list[Candidate] | None = None,
    uncertainty: bool = True,
) -> tuple[list[tuple[int, int, str, float]], float]:
    """(start, end, label, mean marginal) of each predicted span, and the doubt of
    :func:`predict` (0 without ``uncertainty``)."""
    runs: list[tuple[int, int, str, list[float]]] = []
    confidence: list[float] = []
    for sentence in featurizer.sentences(doc, analysis, rules):
        if not sentence.spans:
            continue
        tags = tagger.tag(sentence.features)
        marginals = [
            tagger.marginal(tag, k) if uncertainty or tag != "O" else 1.0 for k, tag in enumerate(tags)
        ]
        confidence += marginals
        for k, tag in enumerate(tags):
            if tag == "O":  # most tokens
                continue
            a, b = sentence.spans[k]
            last = runs[-1] if runs else None
            if tag[0] == "I" and k and last and tag[2:] == last[2] and last[1] == sentence.spans[k - 1][1]:
                last[3].append(marginals[k])
                runs[-1] = (last[0], b, last[2], last[3])
            else:
                runs.append((a, b, tag[2:], [marginals[k]]))
    found = []
    for a, b, label, scores in runs:
        edges = featurizer.snap(doc.text, a, b)
        if edges is not None:
            found.append((edges[0], edges[1], label, sum(scores) / len(scores)))
    doubt = 1 - sum(confidence) / len(confidence) if confidence else 0.0
    return found, doubt


DEFAULT_PRECISION = {"rules": 0.9, "crf": 0.8}
# a precision measured on a few spans is pulled toward the default as if this many more
# spans had been measured at it: one right or wrong span of a rare label decides nothing
PRIOR_SPANS = 5


def _estimate(evaluation: dict[str, Any], source: str, label: str) -> float:
    """The precision of ``source`` for ``label`` as measured, pulled toward the default."""
    measured = float(evaluation["precision"][source][label])
    counts = evaluation.get("spans")
    if counts is None:  # a model trained before the counts were recorded
        return measured
    n = int(counts.get(source, {}).get(label, 0))
    return (measured * n + DEFAULT_PRECISION[source] * PRIOR_SPANS) / (n + PRIOR_SPANS)


class Combined:
    """A trained model used beside the rules: where they disagree on a place, the source
    more precise for that label (measured on held-out documents when the model was
    trained, ``meta.json``) wins, and the span says so (``crf (over list:places)``). A name
    only one of them marks is kept: an annotator deletes a wrong draft faster than they add
    a missing one."""

    def __init__(self, model: Model, finder: EntityFinder) -> None:
        self.model = model
        self.featurizer, self.tagger = model.tagging(finder)
        evaluation: dict[str, Any] = model.meta.get("evaluation", {})
        self.precision = {
            (source, label): _estimate(evaluation, source, label)
            for source, labels in evaluation.get("precision", {}).items()
            for label in labels
        }

    def _precision(self, source: str, label: str) -> float:
        return self.precision.get((source, label), DEFAULT_PRECISION[source])

    def merge(self, doc: Document, analysis: Analysis, rules: list[Candidate]) -> list[Candidate]:
        # (start, end, label, score) tuples: spans made here would only be taken apart again;
        # scores are rounded with the rules' when the layer's spans are made
        predicted, _ = _predicted(
            doc, self.featurizer, self.tagger, analysis=analysis, rules=rules, uncertainty=False
        )
        ours = [
            Candidate(analysis.to_norm(a), analysis.to_norm(b), label, score, "crf")
            for a, b, label, score in predicted
        ]
        ours = [c for c in ours if c.start < c.end]
        if not ours:
            return rules
        # where each source marked something, and with what: a rival is the other source's span there
        marks = {"crf": _marks(ours, len(analysis.norm)), "rules": _marks(rules, len(analysis.norm))}
        pool = [(self._precision("rules", c.label), c, "crf") for c in rules] + [
            (self._precision("crf", c.label), c, "rules") for c in ours
        ]
        taken = bytearray(len(analysis.norm))
        chosen: list[Candidate] = []
        for _, c, other in sorted(pool, key=lambda p: (-p[0], -(p[1].end - p[1].start), p[1].start)):
            if taken.find(1, c.start, c.end) != -1:
                continue
            taken[c.start : c.end] = b"\x01" * (c.end - c.start)
            rival = next(
                (
                    r
                    for r in marks[other][c.start : c.end]
                    if r is not None and (r.start, r.end, r.label) != (c.start, c.end, c.label)
                ),
                None,
            )
            if rival is not None:
                c = Candidate(c.start, c.end, c.label, c.score, f"{c.rule} (over {rival.rule})")
            chosen.append(c)
        return sorted(chosen, key=lambda c: c.start)


def _marks(candidates: list[Candidate], size: int) -> list[Candidate | None]:
    """The candidate covering each position, if any."""
    marks: list[Candidate | None] = [None] * size
    for c in candidates:
        marks[c.start : c.end] = [c] * (c.end - c.start)
    return marks
