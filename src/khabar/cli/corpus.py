"""Commands over the corpus: init, ingest, export, doctor, status."""

from __future__ import annotations

import json
import sys
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
from khabar.corpus import project
from khabar.corpus.model import STATUSES
from khabar.errors import KhabarError
from khabar.formats import iob
from khabar.formats.ingest import ingest_paths
from khabar.formats.interchange import export_jsonl, export_records
from khabar.formats.readers import ConllOptions

if TYPE_CHECKING:
    from khabar.studio import sync as review
    from khabar.studio import users as team
else:
    # what a command needs beyond the CLI (datasets, pyarrow, the Label Studio SDK: 1.5 s)
    # is loaded when it is first used, so that `--help` answers at once
    review = lazy("khabar.studio.sync")
    team = lazy("khabar.studio.users")


@command()
def init(
    directory: Annotated[Path, typer.Argument(help="Folder of the new project (created if missing).")],
    name: Annotated[str | None, typer.Option(help="Project name (default: the folder name).")] = None,
) -> None:
    """Create a corpus project: khabar.toml, corpus/, annotations/, schemas/ with the default scheme.

    Example:  khabar init my-corpus
    """
    made = project.init(directory, name)
    review.write_config(made)
    out.print(f"created project {made.name!r} in {made.root}")
    out.print(
        f"next: `khabar ingest ARTICLES -P {made.root}` to bring in your own articles (then "
        "`khabar preannotate`, `khabar studio start`, `khabar push`); or put them in "
        f"{made.root / 'sources'} and run `khabar build` there for a release without review",
        markup=False,
    )


@command()
def ingest(
    paths: Annotated[
        list[Path], typer.Argument(help=".txt articles, .jsonl/.json interchange files, or folders.")
    ],
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace a document whose text changed.")
    ] = False,
    source: Annotated[str | None, typer.Option(help="Source name for articles that have none.")] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="auto (by file type) or conll (IOB columns).")
    ] = "auto",
    tag_map: Annotated[str | None, typer.Option(help="conll: map tags, e.g. PERS=PER,LOC=GPE,MISC=")] = None,
    iob1: Annotated[bool, typer.Option("--iob1", help="conll: the file is IOB1 (I- starts spans).")] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="conll: refuse a document with any issue.")
    ] = False,
    sentences: Annotated[
        int, typer.Option(help="conll: sentences per document when the file marks none.")
    ] = 20,
    workers: Workers = 1,
    scheduler: Scheduler = None,
    project_dir: ProjectDir = None,
) -> None:
    """Add articles to the corpus. The same article again changes nothing.

    Example:  khabar ingest articles/ gold.jsonl --source aljazeera
              khabar ingest --format conll ANERCorp.txt --tag-map PERS=PER,LOC=GPE,MISC=
    """
    if fmt not in ("auto", "conll"):
        raise KhabarError(f"unknown format {fmt!r}", hint="formats: auto, conll")
    conll = None
    if fmt == "conll":
        conll = ConllOptions(iob.parse_tag_map(tag_map), iob1, strict, sentences)
    report = ingest_paths(
        here(project_dir),
        paths,
        replace=replace,
        source=source,
        conll=conll,
        engine=engine(workers, scheduler),
    )
    for note in report.notes[:50]:
        out.print(f"note: {note}", markup=False)
    if len(report.notes) > 50:
        out.print(f"note: ... and {len(report.notes) - 50} more", markup=False)
    for problem in report.problems:
        err.print(f"refused: {problem}", markup=False)
    repaired = f", {report.repaired} I- tags without B- read as B-" if report.repaired else ""
    out.print(f"ingest: {report.summary()}{repaired}")
    if report.problems:
        raise typer.Exit(1)
    out.print("next: `khabar preannotate` drafts entities and events for annotators", markup=False)


@command()
def export(
    fmt: Annotated[
        str, typer.Option("--format", help="Output format (jsonl: the interchange format).")
    ] = "jsonl",
    layer: Annotated[str | None, typer.Option(help="Layer name (default: the most trusted layer).")] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Output file (default: stdout).")
    ] = None,
    project_dir: ProjectDir = None,
) -> None:
    """Write the corpus in the interchange format (id, text, entities, events).

    Example:  khabar export --format jsonl --layer gold -o gold.jsonl
    """
    if fmt != "jsonl":
        raise KhabarError(f"unknown format {fmt!r}", hint="formats: jsonl")
    here_project = here(project_dir)
    if output is None:
        for record in export_records(here_project, layer):
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        return
    n = export_jsonl(here_project, output, layer)
    out.print(f"export: {n} documents written to {output}")


@command()
def doctor(
    quarantine: Annotated[
        bool,
        typer.Option(
            "--quarantine", help="Move broken lines into .khabar/quarantine/ and keep the rest of each file."
        ),
    ] = False,
    project_dir: ProjectDir = None,
) -> None:
    """Find broken lines in the store (cut short, not JSON, stored twice) as file:line;
    exit 1 if there are any. With --quarantine, set them aside so every command reads the
    rest; nothing is deleted.

    Example:  khabar doctor --quarantine
    """
    from khabar.corpus import doctor as doctors

    made = here(project_dir)
    if quarantine:
        moved, folder = doctors.quarantine(made)
        for finding in moved:
            out.print(f"quarantined: {finding}", markup=False)
        out.print(f"doctor: {len(moved)} broken lines moved" + (f" to {folder}" if folder else ""))
        if moved:
            out.print(
                "next: `khabar validate`; mend a quarantined line by hand and ingest it again", markup=False
            )
        return
    findings = doctors.examine(made)
    for finding in findings:
        err.print(f"broken: {finding}", markup=False)
    out.print(f"doctor: {len(findings)} broken lines")
    if findings:
        err.print(
            "hint: restore the files from git, or run `khabar doctor --quarantine` to set the lines aside",
            markup=False,
        )
        raise typer.Exit(1)


@command(name="status")
def status_command(project_dir: ProjectDir = None) -> None:
    """Count documents by status: pre, in review, reviewed, adjudicated; and how many
    documents each annotator has reviewed.

    Example:  khabar status
    """
    made = here(project_dir)
    counts = review.statuses(made)
    out.print(", ".join(f"{name}: {counts.get(name, 0)}" for name in STATUSES))
    for annotator, reviewed in sorted(team.reviewed_by(made).items()):
        out.print(f"  reviewed by {annotator}: {reviewed}", markup=False)
