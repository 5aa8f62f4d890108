"""Commands that work with Label Studio: studio, push, pull, adjudicate."""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from khabar.cli.app import (
    ProjectDir,
    command,
    err,
    fail,
    here,
    lazy,
    out,
    studio_app,
)
from khabar.corpus.atomic import atomic_write
from khabar.corpus.model import STATUSES
from khabar.errors import KhabarError
from khabar.studio import server as studio

if TYPE_CHECKING:
    from khabar.studio import sync as review
    from khabar.studio import users as team
else:
    # what a command needs beyond the CLI (datasets, pyarrow, the Label Studio SDK: 1.5 s)
    # is loaded when it is first used, so that `--help` answers at once
    review = lazy("khabar.studio.sync")
    team = lazy("khabar.studio.users")


@studio_app.callback()
def studio_default(ctx: typer.Context) -> None:
    """Run the project's local Label Studio.

    Example:  khabar studio
    """
    if ctx.invoked_subcommand is None:
        try:
            _start(None, 8080)
        except KhabarError as error:
            fail(error)


def _start(project_dir: Path | None, port: int, host: str = studio.LOOPBACK) -> None:
    here_project = here(project_dir)
    if studio.status(review.studio_home(here_project)) is None:
        installed = (studio.venv_dir() / "khabar-installed").exists() or (
            studio.venv_dir() / "bin" / "label-studio"
        ).exists()
        out.print(
            "starting Label Studio ..."
            if installed
            else "starting Label Studio (this first start installs it and takes a few minutes) ..."
        )
    server = review.start_local(here_project, port=port, host=host)
    warning = studio.exposure(server)
    if warning:
        err.print(warning, markup=False)
    out.print(f"Label Studio is running at {server.url}", markup=False)
    if server.exposed:
        out.print(f"  annotators open {studio.team_url(server)}/user/login/", markup=False)
    out.print(f"  log in:   {server.url}/user/login/ as {server.username}", markup=False)
    out.print(f"  password: in {server.password_file} (`cat` it; khabar never prints it)", markup=False)
    out.print(f"  API token (khabar uses it): in {server.token_file}", markup=False)
    out.print(f"  log: {server.log_file}; stop it with `khabar studio stop`", markup=False)
    out.print("next: `khabar push` sends the documents and their drafts as tasks", markup=False)


@command(studio_app, name="start")
def studio_start(
    port: Annotated[int, typer.Option(help="First port to try (the next free one is used).")] = 8080,
    host: Annotated[
        str,
        typer.Option(
            help="Address to listen on: 127.0.0.1 (this machine only), or this machine's address on "
            "the team's network (0.0.0.0: all of them) to serve other machines."
        ),
    ] = studio.LOOPBACK,
    project_dir: ProjectDir = None,
) -> None:
    """Start the project's local Label Studio (data in .khabar/studio) and wait for it. It serves
    this machine only, unless --host names an address other machines reach (see docs/team.md).

    Example:  khabar studio start --host 0.0.0.0 --port 8080
    """
    _start(project_dir, port, host)


@command(studio_app, name="stop")
def studio_stop(project_dir: ProjectDir = None) -> None:
    """Stop the project's local Label Studio.

    Example:  khabar studio stop
    """
    stopped = studio.stop(review.studio_home(here(project_dir)))
    out.print("Label Studio stopped" if stopped else "no local Label Studio was running")


@command(studio_app, name="status")
def studio_status(project_dir: ProjectDir = None) -> None:
    """Say whether the project's local Label Studio runs, and where.

    Example:  khabar studio status
    """
    server = studio.status(review.studio_home(here(project_dir)))
    out.print(f"running at {server.url} (pid {server.pid})" if server else "not running")


users_app = typer.Typer(
    help="Annotator accounts on the project's Label Studio.\n\n"
    "Example:  khabar studio users add amal@example.org",
    no_args_is_help=True,
    rich_markup_mode=None,
)
studio_app.add_typer(users_app, name="users")


@command(users_app, name="add")
def users_add(
    email: Annotated[str, typer.Argument(help="The annotator's e-mail address: their login.")],
    password_file: Annotated[
        Path | None,
        typer.Option(
            help="Read the password from this file's first line (or set KHABAR_ANNOTATOR_PASSWORD)."
        ),
    ] = None,
    project_dir: ProjectDir = None,
) -> None:
    """Make an annotator account on the project's server (the local one, or LABEL_STUDIO_URL).
    The password is asked twice without echo; it is never printed nor stored.

    Example:  khabar studio users add amal@example.org
    """
    here_project = here(project_dir)
    if password_file is not None:
        password = team.password_from_file(password_file)
    elif os.environ.get(team.PASSWORD_ENV):
        password = os.environ[team.PASSWORD_ENV]
    else:
        password = typer.prompt(f"password for {email}", hide_input=True, confirmation_prompt=True)
    account = team.add(here_project, email, password)
    out.print(f"made the account {account.email} on {account.url}", markup=False)
    out.print(f"  they log in at {account.url}/user/login/ with the password you gave them", markup=False)
    out.print("next: `khabar push --overlap 2` to have two annotators see each task", markup=False)


@command(studio_app, name="config")
def studio_config(
    check_only: Annotated[bool, typer.Option("--check", help="Only check that the file is current.")] = False,
    project_dir: ProjectDir = None,
) -> None:
    """Write schemas/labelstudio.xml, the labeling config generated from schemas/scheme.yaml.

    Example:  khabar studio config --check
    """
    here_project = here(project_dir)
    if check_only:
        if not review.config_is_current(here_project):
            raise KhabarError(
                f"{review.config_path(here_project)} is not what the scheme generates",
                hint="run `khabar studio config` and commit the file",
            )
        out.print(f"{review.config_path(here_project)} is current")
        return
    out.print(f"wrote {review.write_config(here_project)}")


@command()
def push(
    ids: Annotated[list[str] | None, typer.Argument(help="Document ids (default: all).")] = None,
    status: Annotated[
        str | None, typer.Option(help="Only documents in this status: " + ", ".join(STATUSES) + ".")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many documents.")] = None,
    uncertain_first: Annotated[
        str | None,
        typer.Option(
            "--uncertain-first", help="Order by a model's doubt, most uncertain first: latest or an id."
        ),
    ] = None,
    overlap: Annotated[
        int | None,
        typer.Option(help="Have this many annotators annotate each task (kept for later pushes)."),
    ] = None,
    task_size: Annotated[
        int | None,
        typer.Option(
            "--task-size",
            help="Send long articles as tasks of this many sentences (offsets are mapped back on pull).",
        ),
    ] = None,
    project_dir: ProjectDir = None,
) -> None:
    """Send documents to Label Studio as tasks, with their drafts as predictions. Safe to repeat:
    no duplicate task, and human annotations are never touched.

    Example:  khabar push --status pre --limit 200 --uncertain-first latest
    """
    if overlap is not None:
        team.set_overlap(here(project_dir), overlap)
        out.print(f"overlap: each task is annotated by {overlap} annotator(s)")
    report = review.push(
        here(project_dir),
        ids=set(ids) if ids else None,
        status=status,
        limit=limit,
        uncertain_first=uncertain_first,
        task_size=task_size,
    )
    for problem in report.failed:
        err.print(f"not pushed: {problem}", markup=False)
    for problem in report.unknown:
        err.print(f"unknown whether pushed: {problem}", markup=False)
    out.print(
        f"push: {report.new} new tasks, {report.updated} drafts updated, {report.unchanged} unchanged, "
        f"{report.skipped_annotated} kept as annotated"
    )
    out.print(f"tasks: {report.link}", markup=False)
    if not (report.failed or report.unknown):
        out.print("next: annotate there (Label All Tasks), then `khabar pull`", markup=False)
    if report.failed or report.unknown:
        err.print(
            "hint: run `khabar push` again to finish: it lists the project's tasks first and creates "
            "only the missing ones, so no document is sent twice",
            markup=False,
        )
        raise typer.Exit(1)


@command()
def pull(
    since: Annotated[
        str | None, typer.Option(help="Only annotations changed since this ISO date/time.")
    ] = None,
    project_dir: ProjectDir = None,
) -> None:
    """Bring annotators' work back as review layers, checked and snapped to the guidelines.

    Example:  khabar pull --since 2026-11-01
    """
    report = review.pull(here(project_dir), since=since)
    for change in report.changes:
        out.print(f"snapped: {change}", markup=False)
    for question in report.questions:
        out.print(f"question: {question}", markup=False)
    for refusal in report.refused:
        err.print(f"refused: {refusal}", markup=False)
    for waiting in report.incomplete:
        out.print(f"incomplete: {waiting}", markup=False)
    out.print(
        f"pull: {report.annotations} annotations, {report.written} review layers written, "
        f"{report.unchanged} unchanged, {len(report.refused)} refused, "
        f"{len(report.questions)} questions for the curator"
    )
    if report.refused:
        raise typer.Exit(1)
    out.print(
        "next: `khabar status` (by annotator), `khabar agreement` and `khabar adjudicate` where two "
        "annotators saw a document, `khabar validate`, `khabar release VERSION`",
        markup=False,
    )


@command(name="adjudicate")
def adjudicate_command(
    prefer: Annotated[
        str | None, typer.Option(help="Settle disagreements with this annotator's version.")
    ] = None,
    report_out: Annotated[
        Path | None, typer.Option("--report", help="Write the disagreements here (JSON).")
    ] = None,
    project_dir: ProjectDir = None,
) -> None:
    """Merge several reviews of a document into one adjudicated layer: agreement wins,
    disagreements are listed for a curator.

    Example:  khabar adjudicate --report disagreements.json
    """
    written, disagreements = review.adjudicate(here(project_dir), prefer=prefer)
    for d in disagreements:
        out.print(f"disagreement: {d}", markup=False)
    out.print(f"adjudicate: {written} documents, {len(disagreements)} disagreements")
    out.print("next: `khabar validate`, then `khabar release VERSION`", markup=False)
    if report_out is not None:
        rows = [asdict(d) for d in disagreements]
        atomic_write(report_out, json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
