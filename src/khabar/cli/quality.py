"""Commands that check the corpus: validate, agreement."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from khabar.cli.app import (
    ProjectDir,
    Scheduler,
    Workers,
    command,
    engine,
    err,
    here,
    lazy,
    out,
)
from khabar.corpus.atomic import atomic_write

if TYPE_CHECKING:
    from khabar.quality import results
    from khabar.studio import sync as review
else:
    # what a command needs beyond the CLI (datasets, pyarrow, the Label Studio SDK: 1.5 s)
    # is loaded when it is first used, so that `--help` answers at once
    results = lazy("khabar.quality.results")
    review = lazy("khabar.studio.sync")


@command()
def validate(
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the report as JSON here.")
    ] = None,
    limit: Annotated[int, typer.Option("--max", help="Violations listed per rule (0: all).")] = 20,
    workers: Workers = 1,
    scheduler: Scheduler = None,
    project_dir: ProjectDir = None,
) -> None:
    """Check the whole corpus; exit 1 on any error. Lists violations by rule (document,
    offsets, rule, hint); warnings do not fail. Documents unchanged since the last run are
    not checked again.

    Example:  khabar validate --json report.json --workers 4
    """
    report = results.validate_corpus(here(project_dir), engine=engine(workers, scheduler))
    shown: dict[str, int] = {}
    for violation in report.violations:
        shown[violation.rule] = shown.get(violation.rule, 0) + 1
        if limit and shown[violation.rule] > limit:
            continue
        (out if violation.severity == "warning" else err).print(str(violation), markup=False)
    for line in report.grouped():
        out.print(f"  {line}", markup=False)
    if json_out is not None:
        atomic_write(json_out, report.to_json() + "\n")
    counts = ", ".join(f"{rule} {n}" for rule, n in report.counts().items())
    out.print(
        f"validate: {report.documents} documents, {len(report.errors)} errors, "
        f"{len(report.warnings)} warnings" + (f" ({counts})" if counts else "")
    )
    if not report.ok:
        raise typer.Exit(1)


@command(name="agreement")
def agreement_command(
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the figures as JSON here.")
    ] = None,
    project_dir: ProjectDir = None,
) -> None:
    """Agreement between annotators: span F1, Cohen's kappa on tokens and per label, events.

    Example:  khabar agreement --json agreement.json
    """
    pairs = review.agreement_report(here(project_dir))
    if not pairs:
        out.print("agreement: no document was reviewed by two annotators")
    for p in pairs:
        out.print(
            f"{p.a} / {p.b}: {p.documents} documents, entity F1 {p.entity_f1:.3f}, "
            f"token kappa {p.token_kappa:.3f}, trigger F1 {p.trigger_f1:.3f}, "
            f"argument F1 {p.argument_f1:.3f}"
        )
        out.print("  kappa per label: " + ", ".join(f"{k} {v:.3f}" for k, v in p.label_kappa.items()))
    if json_out is not None:
        atomic_write(json_out, json.dumps([asdict(p) for p in pairs], indent=1) + "\n")
