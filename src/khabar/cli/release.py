"""Commands that publish: release (cut, check, diff), publish, build."""

from __future__ import annotations

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
    release_app,
)
from khabar.errors import KhabarError

if TYPE_CHECKING:
    from khabar.release import build as releases
    from khabar.release import check as release_check
    from khabar.release import cut, diff, publish, snapshot
else:
    # what a command needs beyond the CLI (datasets, pyarrow, the Label Studio SDK: 1.5 s)
    # is loaded when it is first used, so that `--help` answers at once
    releases = lazy("khabar.release.build")
    release_check = lazy("khabar.release.check")
    cut = lazy("khabar.release.cut")
    diff = lazy("khabar.release.diff")
    publish = lazy("khabar.release.publish")
    snapshot = lazy("khabar.release.snapshot")


@command(release_app, name="cut")
def release(
    version: Annotated[str, typer.Argument(help="Release version, for example 1.0.0.")],
    out_dir: Annotated[Path | None, typer.Option("--out", help="Parent folder (default: build/).")] = None,
    allow_unreviewed: Annotated[
        bool,
        typer.Option(
            "--allow-unreviewed", help="Release documents that only have machine drafts; the card says so."
        ),
    ] = False,
    allow_dirty: Annotated[
        bool, typer.Option("--allow-dirty", help="Release although the corpus has uncommitted changes.")
    ] = False,
    workers: Workers = 1,
    scheduler: Scheduler = None,
    project_dir: ProjectDir = None,
) -> None:
    """Validate and write release VERSION: CoNLL-U, parquet + dataset card, manifest.

    Example:  khabar release 1.0.0 --workers 4   (the same as: khabar release cut 1.0.0 ...)
    """
    made = cut.release_corpus(
        here(project_dir),
        version,
        out=out_dir,
        allow_unreviewed=allow_unreviewed,
        allow_dirty=allow_dirty,
        engine=engine(workers, scheduler),
    )
    _print_release(made)


def _print_release(made: releases.Release) -> None:
    out.print(f"release {made.info.version} written to {made.path}")
    for split, stats in made.stats.items():
        if stats.documents:
            c = stats.counts()
            out.print(
                f"  {split}: {c['documents']} documents, {c['sentences']} sentences, "
                f"{c['tokens']} tokens, {c['entities']} entities, {c['events']} events"
            )
    out.print(f"  load it with: datasets.load_dataset({str(made.path)!r}, 'ner')")


@command(release_app, name="check")
def check(
    release_dir: Annotated[
        Path, typer.Argument(help="A release folder (with manifest.json).", file_okay=False)
    ],
) -> None:
    """Verify a release against its manifest: every file present, unchanged, listed.

    Example:  khabar release check build/1.0.0
    """
    problems = release_check.check(release_dir)
    for problem in problems:
        err.print(f"error: {release_dir}: {problem}", markup=False)
    if problems:
        raise typer.Exit(1)
    out.print(f"check: {release_dir} matches its manifest")


@command(release_app, name="diff")
def release_diff(
    old: Annotated[Path, typer.Argument(help="The older release folder.", file_okay=False)],
    new: Annotated[Path, typer.Argument(help="The newer release folder.", file_okay=False)],
    limit: Annotated[int, typer.Option("--max", help="Changes listed (0: all).")] = 0,
) -> None:
    """What changed between two releases: documents, spans, events, counts per label.

    Example:  khabar release diff build/1.0.0 build/1.1.0
    """
    for folder in (old, new):
        if not (folder / "manifest.json").is_file():
            raise KhabarError(f"{folder} is not a release (no manifest.json)")
    result = diff.diff(diff.load(old), diff.load(new))
    out.print(result.markdown(limit=limit or 10**9), markup=False)
    if result.moved_split:
        raise typer.Exit(1)


@command(name="publish")
def publish_command(
    release_dir: Annotated[
        Path, typer.Argument(help="A release folder (with manifest.json).", file_okay=False)
    ],
    to: Annotated[
        str, typer.Option("--to", help="The git remote: a path, an URL, a Hugging Face dataset repo.")
    ],
    branch: Annotated[str, typer.Option(help="The branch that shows the newest release.")] = "main",
) -> None:
    """Push a checked release to a git remote with a tag equal to its version.

    Example:  khabar publish build/1.0.0 --to git@example.org:team/arabic-news.git
    """
    commit = publish.publish(release_dir, to, branch=branch)
    out.print(f"published {release_dir.name} to {to} (commit {commit[:12]}, tag {release_dir.name})")
    out.print(
        f"  load it with: datasets.load_dataset(<the repository>, 'ner', revision={release_dir.name!r})"
    )


@command()
def build(project_dir: ProjectDir = None) -> None:
    """Ingest the project's sources, pre-annotate, validate and release a snapshot into build/.

    Example:  khabar build
    """
    result = snapshot.build(here(project_dir))
    out.print(f"ingest: {result.ingest.summary()}")
    for problem in result.ingest.problems:
        err.print(f"refused: {problem}", markup=False)
    p = result.preannotate
    out.print(f"preannotate: {p.documents} documents, {p.entities} entities, {p.events} events")
    out.print(
        f"validate: {result.report.documents} documents, {len(result.report.errors)} errors, "
        f"{len(result.report.warnings)} warnings"
    )
    if result.release is None:
        out.print(f"release: unchanged since the last build, already at {result.path}")
    else:
        _print_release(result.release)
