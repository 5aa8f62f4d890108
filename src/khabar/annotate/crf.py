"""The CRF entity tagger: its training and its predictions (python-crfsuite).

A linear-chain CRF learns from the gold and human-reviewed layers of a project, offline,
on a laptop. Tokens are the text's tokens (words with their attached clitics, and
punctuation); their features are made by ``khabar.annotate.crf_features``. A predicted
span leaves clear proclitics outside (``khabar.text.snapping``), as the guidelines say,
and a name it tagged is tagged again where the document repeats it
(``khabar.annotate.names_again``). Tags and spans are converted by
``khabar.text.tagging``; ``khabar.annotate.combined`` sets the model beside the rules.
This is the only module that imports pycrfsuite.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pycrfsuite

from khabar import __version__
from khabar.annotate.crf_features import Feature, Featurizer
from khabar.annotate.entities import EntityFinder
from khabar.annotate.names_again import names_again
from khabar.annotate.tokens import Candidate
from khabar.corpus.atomic import atomic_write
from khabar.corpus.model import Document, Layer, Span, kept_score
from khabar.errors import KhabarError
from khabar.text.analysis import Analysis
from khabar.text.tagging import runs_of_tags, tags_of_spans
from khabar.text.word_frequency import source as word_frequencies

PARAMS = {"c1": 0.05, "c2": 0.05, "max_iterations": 150, "feature.possible_transitions": True}


@dataclass(frozen=True)
class Model:
    """A trained tagger and what is known of it (``meta``: data, parameters, scores)."""

    path: Path
    meta: dict[str, Any]

    def tagger(self) -> pycrfsuite.Tagger:
        return open_tagger(self.path / "model.crfsuite")

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
    sizes: Counter[str] = Counter()  # documents, sentences, tokens
    labels: Counter[str] = Counter()
    digest = hashlib.sha256()

    def sequences() -> Iterator[tuple[list[list[Feature]], list[str]]]:
        for doc, layer in pairs:
            sizes["documents"] += 1
            digest.update(doc.sha256.encode())
            # gold IOB2 tags: a span inside a token, after its clitics, tags the whole token
            gold = [(s.start, s.end, s.label) for s in layer.entities]
            for sentence in featurizer.sentences(doc):
                tags = tags_of_spans(sentence.spans, gold)
                yield sentence.features, tags
                sizes["sentences"] += 1
                sizes["tokens"] += len(tags)
            labels.update(s.label for s in layer.entities)

    if not fit(sequences(), folder / "model.crfsuite", params):
        raise KhabarError(
            "no document has a gold or reviewed layer to learn from",
            hint="review documents in Label Studio (`khabar pull`) or ingest gold annotations",
        )
    meta = {
        "id": folder.name,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "khabar": __version__,
        "data": {
            "documents": sizes["documents"],
            "sentences": sizes["sentences"],
            "tokens": sizes["tokens"],
            "entities": dict(sorted(labels.items())),
            "sha256": digest.hexdigest(),
        },
        "params": {**PARAMS, **(params or {})},
        # read from an installed package: a model tags as trained only with the same list
        "word_frequencies": word_frequencies(),
    }
    atomic_write(folder / "meta.json", json.dumps(meta, ensure_ascii=False, indent=1) + "\n")
    return Model(folder, meta)


def fit(
    sequences: Iterable[tuple[list[list[Feature]], list[str]]],
    path: Path,
    params: dict[str, Any] | None = None,
) -> bool:
    """Train a CRF on (features, tags) sequences and save it as ``path`` (whole or not at all);
    False, and nothing written, when there is no sequence."""
    trainer = pycrfsuite.Trainer(verbose=False)
    trainer.set_params({**PARAMS, **(params or {})})
    count = 0
    for features, tags in sequences:
        trainer.append(features, tags)
        count += 1
    if not count:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as tmp:
        staging = Path(tmp.name)
    try:
        trainer.train(str(staging))
        staging.replace(path)
    finally:
        staging.unlink(missing_ok=True)
    return True


def open_tagger(path: Path) -> pycrfsuite.Tagger:
    tagger = pycrfsuite.Tagger()
    tagger.open(str(path))
    return tagger


def predict(doc: Document, featurizer: Featurizer, tagger: pycrfsuite.Tagger) -> tuple[list[Span], float]:
    """Entity spans of a document (proclitics snapped off) and one minus the mean
    probability the model gives its own tags."""
    found, doubt = predictions(doc, featurizer, tagger)
    text = doc.text
    return [Span(a, b, label, text[a:b], kept_score(score), "crf") for a, b, label, score in found], doubt


def predictions(
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
    found = []
    confidence: list[float] = []
    spans: list[tuple[int, int]] = []  # the document's tokens
    forms: list[str] = []
    for sentence in featurizer.sentences(doc, analysis, rules):
        if not sentence.spans:
            continue
        tags = tagger.tag(sentence.features)
        marginals = [
            tagger.marginal(tag, k) if uncertainty or tag != "O" else 1.0 for k, tag in enumerate(tags)
        ]
        confidence += marginals
        for first, end, label in runs_of_tags(tags):
            edges = featurizer.snap(doc.text, sentence.spans[first][0], sentence.spans[end - 1][1])
            if edges is not None:
                score = sum(marginals[first:end]) / (end - first)
                found.append((edges[0], edges[1], label, score))
        spans += sentence.spans
        forms += sentence.forms
    doubt = 1 - sum(confidence) / len(confidence) if confidence else 0.0
    return found + names_again(doc.text, spans, forms, found, featurizer), doubt
