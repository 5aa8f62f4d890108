"""Event triggers from a CRF beside the trigger lexicon: the features (the entity tagger's,
and the lexicon's own IOB tags of each token and its neighbours), training on the human
layers, predictions, and the merge of model and lexicon by the precision measured for each
event type when the model was trained (``meta.json``: ``evaluation.triggers``).

Triggers are passed around as :meth:`TriggerLexicon.find` gives them: (first word, end
word, start offset, trigger) in the analysis view, so the realis and argument rules treat
a trigger the same whichever source drafted it.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Iterable, Iterator, Set
from pathlib import Path
from typing import Any

from khabar.annotate import crf
from khabar.annotate.crf_features import Feature, Featurizer, Sentence
from khabar.annotate.entities import EntityFinder
from khabar.annotate.events import EventFinder
from khabar.annotate.tokens import Candidate, Tokens
from khabar.annotate.triggers import Trigger
from khabar.corpus.model import Document, Layer
from khabar.text.analysis import Analysis
from khabar.text.clitics import proclitic_analyses
from khabar.text.tagging import runs_of_tags, tags_of_spans

TRIGGERS_FILE = "triggers.crfsuite"  # beside the entity tagger's model.crfsuite
Found = list[tuple[int, int, int, Trigger]]
#: the precision assumed of each source before any is measured (lexicon: ``rules``)
DEFAULT_PRECISION = {"rules": 0.8, "crf": 0.6}
#: a trigger only the model drafts is kept where the model's precision for its type reaches
#: this: annotators delete a wrong draft faster than they add one, but not endlessly
LONE_FLOOR = 0.5
PRIOR_SPANS = 5  # as in combined: a precision measured on few triggers is pulled to the default


def estimate(evaluation: dict[str, Any], source: str, label: str, defaults: dict[str, float]) -> float:
    """The precision of ``source`` for ``label`` as measured (``evaluation``: precision and
    spans by source and label), pulled toward ``defaults`` as if PRIOR_SPANS more spans had
    been measured at it."""
    measured = evaluation.get("precision", {}).get(source, {}).get(label)
    if measured is None:
        return defaults[source]
    counts = evaluation.get("spans")
    if counts is None:  # a model trained before the counts were recorded
        return float(measured)
    n = int(counts.get(source, {}).get(label, 0))
    return (float(measured) * n + defaults[source] * PRIOR_SPANS) / (n + PRIOR_SPANS)


def lexicon_found(events: EventFinder, t: Tokens, entities: list[Candidate]) -> Found:
    """The lexicon's triggers of a text whose entities are found."""
    readings, _ = events.words(t)
    return events.lexicon.find(t, entities, readings)


class TriggerFeatures:
    """The features of each token for the trigger tagger."""

    def __init__(self, finder: EntityFinder, known: Set[str] | None = None) -> None:
        self.featurizer = Featurizer(finder, known)

    def sentences(
        self, doc: Document, analysis: Analysis, t: Tokens, entities: list[Candidate], found: Found
    ) -> list[Sentence]:
        base = self.featurizer.sentences(doc, analysis, entities)
        flat = [span for sentence in base for span in sentence.spans]
        lexicon_tags = tags_of_spans(
            flat,
            [(analysis.start(start), analysis.end(t.spans[j - 1][1]), tr.type) for _, j, start, tr in found],
        )
        out = []
        k = 0
        for sentence in base:
            tags = lexicon_tags[k : k + len(sentence.spans)]
            k += len(sentence.spans)
            made = [self.featurizer.tag_features("lex", tag) for tag in tags]
            features = []
            for n, own in enumerate(sentence.features):
                extra = [*own, *made[n][0]]
                if n > 0:
                    extra += made[n - 1][1]
                if n + 1 < len(tags):
                    extra += made[n + 1][2]
                features.append(extra)
            out.append(Sentence(sentence.spans, sentence.forms, features))
        return out


def train(
    pairs: Iterable[tuple[Document, Layer]], finder: EntityFinder, events: EventFinder, path: Path
) -> dict[str, Any] | None:
    """Train the trigger tagger on the human layers that annotate events (a layer with none,
    such as an imported entity corpus, teaches nothing about them) and save it as ``path``;
    what it learnt from, or None when no layer has an event."""
    features = TriggerFeatures(finder)
    learnt: Counter[str] = Counter()
    documents = Counter[str]()

    def sequences() -> Iterator[tuple[list[list[Feature]], list[str]]]:
        for doc, layer in pairs:
            if not layer.events:
                continue
            documents["documents"] += 1
            analysis = Analysis.of(doc.text)
            t = Tokens(analysis.norm)
            entities = finder.find(t)
            gold = [(e.trigger.start, e.trigger.end, e.type) for e in layer.events]
            for sentence in features.sentences(
                doc, analysis, t, entities, lexicon_found(events, t, entities)
            ):
                yield sentence.features, tags_of_spans(sentence.spans, gold)
            learnt.update(e.type for e in layer.events)

    if not crf.fit(sequences(), path):
        return None
    return {"documents": documents["documents"], "events": dict(sorted(learnt.items()))}


class TriggerTagger:
    """A trained trigger tagger, and its merge with the lexicon."""

    def __init__(self, path: Path, finder: EntityFinder, evaluation: dict[str, Any]) -> None:
        self.tagger = crf.open_tagger(path)
        self.features = TriggerFeatures(finder, frozenset(self.tagger.info().attributes))
        self.evaluation = evaluation

    def predict(
        self,
        doc: Document,
        analysis: Analysis,
        t: Tokens,
        events: EventFinder,
        entities: list[Candidate],
        found: Found,
    ) -> Found:
        """The model's triggers (``found``: the lexicon's, one of its features)."""
        out: Found = []
        entity_starts = [c.start for c in entities]
        for sentence in self.features.sentences(doc, analysis, t, entities, found):
            if not sentence.spans:
                continue
            tags = self.tagger.tag(sentence.features)
            for first, end, label in runs_of_tags(tags):
                a = analysis.to_norm(sentence.spans[first][0])
                b = analysis.to_norm(sentence.spans[end - 1][1])
                i, j = t.word_at(a), bisect.bisect_left(t.starts, b)
                if i < 0 or j <= i or t.spans[i][1] <= a:
                    continue  # punctuation only
                score = sum(self.tagger.marginal(tag, k) for k, tag in enumerate(tags[first:end], first))
                trigger = _model_trigger(t, i, j, label, score / (end - first), events)
                # as the lexicon's: never inside an entity (entities are sorted and apart)
                before = bisect.bisect_left(entity_starts, t.spans[j - 1][1]) - 1
                if before < 0 or entities[before].end <= trigger[2]:
                    out.append(trigger)
        return out

    def merge(self, lexicon: Found, model: Found, *, alone: bool = False) -> Found:
        """:func:`merge` by this model's measured precision."""
        return merge(lexicon, model, self.evaluation, alone=alone)


def merge(lexicon: Found, model: Found, evaluation: dict[str, Any], *, alone: bool = False) -> Found:
    """Lexicon and model triggers. Where both draft one with the same type, the lexicon's
    stays (it knows its form: phrase, clitics); with another type, the source right more
    often where the two disagreed (measured on held-out documents) wins and says over
    what; a trigger only the model drafts is kept where the model's precision for its
    type reaches LONE_FLOOR. ``evaluation``: the precision measured when the model was
    trained (meta.json: ``evaluation.triggers``). ``alone``: the model's only."""
    if alone:
        return model
    conflicts = evaluation.get("conflicts", {})
    model_decides = estimate(conflicts, "crf", "type", DEFAULT_PRECISION) > estimate(
        conflicts, "rules", "type", DEFAULT_PRECISION
    )
    chosen = list(lexicon)
    for i, j, start, tr in model:
        rivals = [g for g in chosen if g[0] < j and i < g[1]]
        if not rivals:
            if estimate(evaluation, "crf", tr.type, DEFAULT_PRECISION) >= LONE_FLOOR:
                chosen.append((i, j, start, tr))
        elif model_decides and all(g[3].type != tr.type for g in rivals):
            over = ", ".join(g[3].rule for g in rivals)
            chosen = [g for g in chosen if g not in rivals]
            chosen.append((i, j, start, Trigger(tr.type, tr.verb, tr.score, f"crf (over {over})")))
    return sorted(chosen, key=lambda f: f[0])


def _model_trigger(
    t: Tokens, i: int, j: int, etype: str, score: float, events: EventFinder
) -> tuple[int, int, int, Trigger]:
    """A predicted run of words as a trigger: its proclitics left out as the lexicon would
    (or و ف ب ك ل before the article), a verb unless the lexicon or its form says noun."""
    word = t.texts[i]
    readings = events.lexicon.lookups(word)
    if readings:
        cut, form = readings[0]
        listed = events.lexicon.forms.get(form)
        verb = listed.verb if listed is not None else not form.startswith("ال")
    else:
        cut = _article_proclitics(word)
        verb = not word[cut:].startswith("ال") and not word.endswith(("ه", "ات"))
    return i, j, t.spans[i][0] + cut, Trigger(etype, verb, score, "crf")


def _article_proclitics(word: str) -> int:
    """How many proclitic letters come before an article (والاتفاق 1، وبالاتفاق 2، للاتفاق 1)."""
    return max((cut for cut, stem in proclitic_analyses(word) if stem.startswith("ال")), default=0)
