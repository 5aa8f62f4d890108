"""Commands that draft and learn: preannotate, train, evaluate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from khabar.cli.app import (
    Labels,
    ProjectDir,
    Scheduler,
    Workers,
    command,
    engine,
    entity_labels,
    here,
    lazy,
    out,
)
from khabar.corpus.atomic import atomic_write
from khabar.errors import KhabarError

if TYPE_CHECKING:
    from khabar.annotate import drafting
    from khabar.learning import training as learning
    from khabar.quality import evaluate as evaluation
    from khabar.quality import results
else:
    # what a command needs beyond the CLI (datasets, pyarrow, the Label Studio SDK: 1.5 s)
    # is loaded when it is first used, so that `--help` answers at once
    drafting = lazy("khabar.annotate.drafting")
    learning = lazy("khabar.learning.training")
    evaluation = lazy("khabar.quality.evaluate")
    results = lazy("khabar.quality.results")


@command()
def preannotate(
    ids: Annotated[list[str] | None, typer.Argument(help="Document ids (default: all).")] = None,
    model: Annotated[
        str | None, typer.Option(help="Use a trained model beside the rules: latest, an id or a path.")
    ] = None,
    workers: Workers = 1,
    scheduler: Scheduler = None,
    project_dir: ProjectDir = None,
) -> None:
    """Draft entities and events for annotators (the `pre` layer), offline, from name lists,
    rules and, with --model, a model trained on the project's reviewed documents. Shards
    already drafted from the same documents are skipped: an interrupted run resumes.

    Example:  khabar preannotate --workers 4
    """
    result = drafting.preannotate_corpus(
        here(project_dir), ids=set(ids) if ids else None, model=model, engine=engine(workers, scheduler)
    )
    skipped = (
        f" ({result.skipped_shards} shards unchanged since the last run)" if result.skipped_shards else ""
    )
    out.print(
        f"preannotate: {result.documents} documents, {result.entities} entities, "
        f"{result.events} events; {result.written} layers written{skipped}"
    )
    out.print(
        "next: `khabar studio start`, then `khabar push` (annotators correct the drafts), "
        "or `khabar validate` and `khabar release VERSION`",
        markup=False,
    )


@command()
def train(
    name: Annotated[str | None, typer.Option(help="Model id (default: crf-<date>-<time>).")] = None,
    labels: Labels = None,
    folds: Annotated[
        int,
        typer.Option(
            help="Measure on k folds of all the documents instead of the test split "
            "(k more trainings; steadier scores and precision for a small project)."
        ),
    ] = 0,
    project_dir: ProjectDir = None,
) -> None:
    """Train a CRF entity tagger, and an event trigger tagger where the documents have events,
    on the gold and reviewed documents; saved under models/.

    Example:  khabar train && khabar preannotate --model latest
              khabar train --labels PER,GPE,ORG --folds 5     # a corpus imported from ANERcorp
    """
    here_project = here(project_dir)
    made = learning.train(
        here_project,
        drafting.load_annotator(here_project),
        name=name,
        labels=entity_labels(here_project, labels),
        folds=folds,
    )
    data = made.meta["data"]
    out.print(
        f"trained {made.meta['id']} on {data['documents']} documents, {data['sentences']} sentences, "
        f"{data['tokens']} tokens; saved in {made.path}"
    )
    scores = made.meta.get("evaluation", {})
    if scores.get("documents"):
        scored = f" ({', '.join(scores['labels'])})" if scores.get("labels") else ""
        how = f"{scores['folds']}-fold cross-validation" if scores.get("folds") else "test split"
        out.print(
            f"  on {scores['documents']} held-out documents ({how}), entity F1{scored}: "
            + (", ".join(f"{k} {v:.3f}" for k, v in scores["f1"].items()) or "no entities to score")
        )
        for name, figures in scores.get("events", {}).items():
            out.print(f"  {name:9} " + _event_figures(figures))
    else:
        out.print("  no document could be held out to measure it: no scores yet (try --folds 5)")
    if "triggers" in made.meta:
        learnt = made.meta["triggers"]
        out.print(f"  event triggers learnt from {learnt['documents']} documents with events")


def _event_figures(f1: dict[str, float]) -> str:
    return (
        f"event triggers F1 {f1['trigger classification']:.3f}, "
        f"arguments F1 {f1['argument classification']:.3f}"
    )


@command(name="evaluate")
def evaluate_command(
    gold: Annotated[
        Path | None, typer.Option(help="Gold annotations in the interchange format (.jsonl/.json).")
    ] = None,
    layer: Annotated[str, typer.Option(help="The layer to score (pre, review:<annotator>, ...).")] = "pre",
    split: Annotated[
        bool,
        typer.Option("--split", help="Score rules, model and both on held-out human-annotated documents."),
    ] = False,
    folds: Annotated[
        int, typer.Option(help="k-fold cross-validation instead of the test split (implies --split).")
    ] = 0,
    ignore_proclitics: Annotated[
        bool, typer.Option("--ignore-proclitics", help="A leading و ف ب ك ل difference is no error.")
    ] = False,
    labels: Labels = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the figures as JSON here.")
    ] = None,
    errors: Annotated[bool, typer.Option("--errors/--no-errors", help="List every error.")] = True,
    project_dir: ProjectDir = None,
) -> None:
    """Score a layer against gold: precision, recall, F1 per label (exact and partial), errors.
    With --split, train on part of the project's human-annotated documents and score the
    rest: rules alone, the model alone, both (entities, and event triggers and arguments).

    Example:  khabar evaluate --gold sources/seed-0001.json --layer pre
              khabar evaluate --folds 5 --labels PER,GPE,ORG --ignore-proclitics
    """
    here_project = here(project_dir)
    scored = entity_labels(here_project, labels)
    split = split or folds > 1
    if split and gold is not None:
        raise KhabarError(
            "--gold scores a layer against a file, --split and --folds train and score a model: give one"
        )
    if split:
        out.print(
            (f"{folds}-fold cross-validation" if folds > 1 else "the test split")
            + " of the human-annotated documents; exact entity spans"
            + (", a leading proclitic ignored" if ignore_proclitics else "")
            + (f", {', '.join(sorted(scored))} only" if scored is not None else "")
        )
        results = learning.cross_validate(
            here_project,
            drafting.load_annotator(here_project),
            folds=folds,
            ignore_proclitics=ignore_proclitics,
            labels=scored,
        )
        for name, result in results.items():
            overall = result.exact.get("overall")
            if overall:
                out.print(
                    f"{name:9} P {overall.precision:.3f} R {overall.recall:.3f} F1 {overall.f1:.3f}   "
                    + ", ".join(f"{k} {v.f1:.2f}" for k, v in result.exact.items() if k != "overall")
                )
        for name, result in results.items():
            if result.events:
                out.print(f"{name:9} " + _event_figures({k: v.f1 for k, v in result.events.items()}))
        if json_out is not None:
            atomic_write(
                json_out,
                json.dumps(
                    {k: json.loads(v.to_json()) for k, v in results.items()}, ensure_ascii=False, indent=1
                )
                + "\n",
            )
        return
    if gold is None:
        raise KhabarError("say what to score against: --gold FILE, or --split")
    result = evaluation.evaluate_layer(
        here_project, gold, layer, ignore_proclitics=ignore_proclitics, labels=scored
    )
    out.print(f"entities of layer {layer!r} against {gold} ({result.documents} documents)")
    out.print(f"{'label':10} {'P':>6} {'R':>6} {'F1':>6}   {'partial F1':>10}   {'gold':>5}")
    for label, score in result.exact.items():
        part = result.partial.get(label)
        out.print(
            f"{label:10} {score.precision:6.3f} {score.recall:6.3f} {score.f1:6.3f}   "
            f"{part.f1 if part else 0:10.3f}   {score.tp + score.fn:5d}"
        )
    if result.events:
        out.print("events")
        for name, score in result.events.items():
            out.print(f"  {name:26} P {score.precision:.3f} R {score.recall:.3f} F1 {score.f1:.3f}")
        if result.realis_accuracy is not None:
            out.print(f"  realis accuracy on matched triggers: {result.realis_accuracy:.3f}")
    if result.unscored_events:
        out.print(f"events: not scored, the gold has none (the layer has {result.unscored_events})")
    if errors:
        for error in result.errors:
            out.print(str(error), markup=False)
    if json_out is not None:
        atomic_write(json_out, result.to_json() + "\n")
