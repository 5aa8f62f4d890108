"""Model in the loop: train a CRF on a project's gold and reviewed documents, measure it on
held-out ones, and use it beside the rules.

Models live in the project under ``models/<id>/`` (``model.crfsuite`` and ``meta.json``:
khabar's version, a summary of the training data, the parameters and the scores on the
held-out documents); ``models/latest`` names the newest.
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from collections import Counter
from collections.abc import Collection, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from khabar.annotate import crf, preannotate, trigger_model
from khabar.annotate.crf_features import Featurizer
from khabar.annotate.models import models_dir
from khabar.corpus.atomic import atomic_write
from khabar.corpus.model import Document, Layer
from khabar.corpus.project import Project, writes
from khabar.corpus.splits import VERSION, split_of
from khabar.errors import KhabarError
from khabar.quality.evaluate import Evaluation, evaluate
from khabar.runtime import progress

HUMAN = ("gold", "review", "adjudicated")
#: the event figures a model's meta records for rules, model and both
EVENT_FIGURES = ("trigger classification", "argument classification")


def human_pairs(project: Project) -> Iterator[tuple[Document, Layer]]:
    """Each document with its most trusted human layer made on its current text."""
    rank = {"review": 0, "gold": 0, "adjudicated": 1}
    for doc, layers in project.store().items():
        human = [x for x in layers if x.kind in HUMAN and x.text_sha256 == doc.sha256]
        if human:
            yield doc, max(human, key=lambda x: (rank[x.kind], x.provenance.created or "", x.name))


def compare(
    annotator: preannotate.Annotator,
    model: crf.Model,
    test: list[tuple[Document, Layer]],
    *,
    ignore_proclitics: bool = False,
    labels: Collection[str] | None = None,
) -> dict[str, Evaluation]:
    """Rules alone, the model alone and both together, on the same held-out documents
    (only entities of ``labels``, when given)."""
    scored = held_out(annotator, [(model, test)], ignore_proclitics=ignore_proclitics, labels=labels)
    return evaluations(scored, ignore_proclitics=ignore_proclitics, labels=labels)


Scored = list[tuple[Document, Layer | None, Layer]]


def evaluations(
    scored: dict[str, Scored], *, ignore_proclitics: bool = False, labels: Collection[str] | None = None
) -> dict[str, Evaluation]:
    """Each source's (document, predicted, gold) triples scored."""
    return {
        name: evaluate(pairs, ignore_proclitics=ignore_proclitics, labels=labels)
        for name, pairs in scored.items()
    }


def held_out(
    annotator: preannotate.Annotator,
    runs: list[tuple[crf.Model, list[tuple[Document, Layer]]]],
    *,
    ignore_proclitics: bool = False,
    labels: Collection[str] | None = None,
) -> dict[str, Scored]:
    """(document, predicted, gold) of rules alone, the model alone and both together, over
    each (model, documents it has not seen) run.

    Both together decide by the precision of rules and model, which must be measured on
    documents other than those scored, or the score flatters them: each run is combined by
    the precision measured on the other runs, and a single run is cut in two halves, each
    combined by the precision measured on the other half.
    """
    rules_only = dataclasses.replace(annotator, model=None)
    pieces = [(model, _alone(rules_only, model, part)) for model, part in runs]
    if len(pieces) == 1:
        model, whole = pieces[0]
        half = len(whole["rules"]) // 2
        pieces = [
            (model, {k: v[:half] for k, v in whole.items()}),
            (model, {k: v[half:] for k, v in whole.items()}),
        ]
    results: dict[str, Scored] = {"rules": [], "crf": [], "combined": []}
    for k, (model, scored) in enumerate(pieces):
        others = {
            name: [p for j, (_, s) in enumerate(pieces) if j != k for p in s[name]]
            for name in ("rules", "crf")
        }
        precision = {
            **source_precision(evaluations(others, ignore_proclitics=ignore_proclitics, labels=labels)),
            "triggers": trigger_precision(others),
        }
        combined = rules_only.with_model(
            dataclasses.replace(model, meta={**model.meta, "evaluation": precision})
        )
        for name in ("rules", "crf"):
            results[name] += scored[name]
        results["combined"] += [
            (doc, preannotate.run(doc, combined), gold) for doc, _, gold in scored["rules"]
        ]
    return results


def _alone(
    rules_only: preannotate.Annotator, model: crf.Model, part: list[tuple[Document, Layer]]
) -> dict[str, Scored]:
    """(document, predicted, gold) of the rules alone and of the model alone (its entities,
    and its triggers with the argument rules over them)."""
    model_only = rules_only.with_model(model, alone=True)
    scored: dict[str, Scored] = {"rules": [], "crf": []}
    for doc, gold in part:
        if rules_only.events is None:
            gold = dataclasses.replace(gold, events=())
        scored["rules"].append((doc, preannotate.run(doc, rules_only), gold))
        scored["crf"].append((doc, preannotate.run(doc, model_only), gold))
    return scored


def trigger_precision(scored: dict[str, Scored]) -> dict[str, Any]:
    """What decides between lexicon (``rules``) and trigger tagger (``crf``): the precision of
    each per event type (a trigger is right when the gold has one of its type at its very
    span) and on how many triggers it was measured, and where the two drafted overlapping
    triggers of different types, how often each was right (``conflicts``). Only documents
    whose gold has events count."""
    right: dict[str, Counter[str]] = {"rules": Counter(), "crf": Counter()}
    drafted: dict[str, Counter[str]] = {"rules": Counter(), "crf": Counter()}
    disagreed: Counter[str] = Counter()
    for (_, rules, gold), (_, model, _) in zip(scored["rules"], scored["crf"], strict=True):
        if not gold.events:
            continue
        truth = {(e.trigger.start, e.trigger.end, e.type) for e in gold.events}
        for name, predicted in (("rules", rules), ("crf", model)):
            for e in predicted.events if predicted is not None else ():
                drafted[name][e.type] += 1
                right[name][e.type] += (e.trigger.start, e.trigger.end, e.type) in truth
        for e in rules.events if rules is not None else ():
            for f in model.events if model is not None else ():
                if f.trigger.start < e.trigger.end and e.trigger.start < f.trigger.end and f.type != e.type:
                    disagreed["n"] += 1
                    disagreed["rules"] += (e.trigger.start, e.trigger.end, e.type) in truth
                    disagreed["crf"] += (f.trigger.start, f.trigger.end, f.type) in truth
    n = disagreed["n"]
    return {
        "precision": {
            name: {t: round(right[name][t] / k, 4) for t, k in drafted[name].items()} for name in drafted
        },
        "spans": {name: dict(drafted[name]) for name in drafted},
        "conflicts": {
            "precision": {name: {"type": round(disagreed[name] / n, 4) if n else 0.0} for name in drafted},
            "spans": {name: {"type": n} for name in drafted},
        },
    }


def source_precision(scores: dict[str, Evaluation]) -> dict[str, Any]:
    """What decides between rules and model (``combined.Combined``): the precision of each per
    label, and on how many spans it was measured."""
    measured = {
        name: {k: v for k, v in scores[name].exact.items() if k != "overall"} for name in ("rules", "crf")
    }
    return {
        "precision": {
            name: {label: round(s.precision, 4) for label, s in scores.items()}
            for name, scores in measured.items()
        },
        "spans": {
            name: {label: s.tp + s.fp for label, s in scores.items()} for name, scores in measured.items()
        },
    }


def _held_out_parts(
    project: Project, pairs: list[tuple[Document, Layer]], folds: int
) -> list[list[tuple[Document, Layer]]]:
    """The test split (``folds`` 0 or 1), or ``folds`` parts by a hash of each text."""
    if folds <= 1:
        return [[p for p in pairs if split_of(p[0].id, project.splits()) == "test"]]
    return [[p for p in pairs if int(p[0].sha256[:8], 16) % folds == k] for k in range(folds)]


def _score_held_out(
    project: Project,
    annotator: preannotate.Annotator,
    pairs: list[tuple[Document, Layer]],
    *,
    folds: int,
    ignore_proclitics: bool = False,
    labels: Collection[str] | None = None,
) -> dict[str, Scored] | None:
    """Rules, model and both on each held-out part, the model trained on the other
    documents; None when no part can be held out."""
    featurizer = Featurizer(annotator.entities)
    parts = _held_out_parts(project, pairs, folds)
    with tempfile.TemporaryDirectory() as tmp:
        runs = []
        for k, part in progress.track(list(enumerate(parts)), "training on held-out parts"):
            held = {doc.id for doc, _ in part}
            rest = [p for p in pairs if p[0].id not in held]
            if part and rest:
                runs.append((_train_taggers(rest, annotator, featurizer, Path(tmp) / f"part{k}"), part))
        if not runs:
            return None
        return held_out(annotator, runs, ignore_proclitics=ignore_proclitics, labels=labels)


@writes
def train(
    project: Project,
    annotator: preannotate.Annotator,
    *,
    name: str | None = None,
    labels: Collection[str] | None = None,
    folds: int = 0,
) -> crf.Model:
    """Train on every human-annotated document. First measure models trained without the
    test split (or, with ``folds``, without each of that many parts) on what they did not
    see, so the scores, and the precision that decides between model and rules, come from
    unseen documents. ``labels``: score only those (the labels an imported corpus
    annotates), and record them."""
    pairs = list(human_pairs(project))
    if not pairs:
        raise KhabarError(
            "no document has a gold or reviewed layer to learn from",
            hint="review documents in Label Studio (`khabar pull`) or ingest gold annotations",
        )
    model_id = name or datetime.now(UTC).strftime("crf-%Y%m%d-%H%M%S")
    if not VERSION.fullmatch(model_id):
        raise KhabarError(
            f"model name {model_id!r} is not allowed", hint="use letters, digits, '.', '_' and '-'"
        )
    folder = models_dir(project) / model_id
    if folder.exists():
        raise KhabarError(f"model {model_id} exists already", hint="give another --name")
    scored = _score_held_out(project, annotator, pairs, folds=folds, labels=labels)
    evaluation: dict[str, Any] = {}
    if scored is not None:
        scores = evaluations(scored, labels=labels)
        evaluation = {
            "documents": len(scored["rules"]),
            "folds": folds if folds > 1 else None,
            "labels": sorted(labels) if labels is not None else None,
            "f1": {
                name: round(result.exact["overall"].f1, 4)
                for name, result in scores.items()
                if "overall" in result.exact
            },
            # the final model decides by the precision measured on all the held-out documents
            **source_precision(scores),
            "triggers": trigger_precision(scored),
        }
        if any(result.events for result in scores.values()):
            evaluation["events"] = {
                name: {what: round(result.events[what].f1, 4) for what in EVENT_FIGURES}
                for name, result in scores.items()
                if result.events
            }
    model = _train_taggers(pairs, annotator, Featurizer(annotator.entities), folder)
    meta = {**model.meta, "evaluation": evaluation}
    atomic_write(folder / "meta.json", json.dumps(meta, ensure_ascii=False, indent=1) + "\n")
    atomic_write(models_dir(project) / "latest", model_id + "\n")
    return crf.Model(folder, meta)


def _train_taggers(
    pairs: list[tuple[Document, Layer]],
    annotator: preannotate.Annotator,
    featurizer: Featurizer,
    folder: Path,
) -> crf.Model:
    """The entity tagger, and the trigger tagger where the layers have events to learn from."""
    model = crf.train(pairs, featurizer, folder)
    if annotator.events is None:
        return model
    learnt = trigger_model.train(
        pairs, annotator.entities, annotator.events, folder / trigger_model.TRIGGERS_FILE
    )
    if learnt is None:
        return model
    meta = {**model.meta, "triggers": learnt}
    atomic_write(folder / "meta.json", json.dumps(meta, ensure_ascii=False, indent=1) + "\n")
    return crf.Model(folder, meta)


def cross_validate(
    project: Project,
    annotator: preannotate.Annotator,
    *,
    folds: int = 0,
    ignore_proclitics: bool = False,
    labels: Collection[str] | None = None,
) -> dict[str, Evaluation]:
    """Scores of rules, model and both on held-out documents: the test split (``folds`` 0)
    or each of ``folds`` parts in turn (documents assigned by a hash of their text); only
    entities of ``labels``, when given."""
    scored = _score_held_out(
        project,
        annotator,
        list(human_pairs(project)),
        folds=folds,
        ignore_proclitics=ignore_proclitics,
        labels=labels,
    )
    if scored is None:
        raise KhabarError(
            "not enough human-annotated documents to hold some out",
            hint="annotate more documents, or use --folds",
        )
    return evaluations(scored, ignore_proclitics=ignore_proclitics, labels=labels)
