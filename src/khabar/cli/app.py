"""The command-line application: the typer app, the options commands share, and how a
KhabarError becomes one ``error:`` line and a ``hint:`` line on stderr and exit status 1 (a
traceback means a bug in khabar). Each command group lives in a module beside this one."""

from __future__ import annotations

import functools
import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from typer.core import TyperGroup

from khabar import __version__
from khabar.corpus import project
from khabar.errors import DISK_ERRNOS, KhabarError, disk_error
from khabar.runtime.executor import Engine

app = typer.Typer(
    help="khabar: build an annotated Arabic news corpus and publish it as versioned datasets.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., Any])

ProjectDir = Annotated[
    Path | None,
    typer.Option(
        "--project",
        "-P",
        help="Project folder (default: found from the current folder upward).",
        file_okay=False,
    ),
]
Workers = Annotated[
    int, typer.Option("--workers", "-w", min=1, help="Worker processes (over shards of the corpus).")
]
Scheduler = Annotated[
    str | None,
    typer.Option(
        help="Run on Dask: a scheduler address (tcp://host:8786), or `local` for a LocalCluster "
        "of --workers processes. Workers must see the project folder at the same path."
    ),
]

Labels = Annotated[
    str | None,
    typer.Option(
        "--labels",
        help="Score only these entity labels, e.g. PER,GPE,ORG for a corpus that annotates no others;"
        " GPE+LOC scores LOC as GPE, for a corpus with one label for places.",
    ),
]


def lazy(name: str) -> ModuleType:
    """The module ``name``, executed when one of its attributes is first used (one module
    object per name, whichever command group asks: workers unpickle functions by name)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    assert spec is not None and spec.loader is not None
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


def engine(workers: int, scheduler: str | None) -> Engine:
    return Engine(workers=workers, scheduler=scheduler)


class DefaultCommandGroup(TyperGroup):
    """A group whose first argument, when it names no subcommand, goes to its default command
    (``khabar release 1.0.0`` cuts a release; ``khabar release check DIR`` checks one)."""

    default = "cut"

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args.insert(0, self.default)
        return super().resolve_command(ctx, args)


release_app = typer.Typer(
    cls=DefaultCommandGroup,
    help="Cut a release (khabar release VERSION), check one, or compare two.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(release_app, name="release")

studio_app = typer.Typer(
    help="Run the project's local Label Studio (khabar studio = khabar studio start).",
    invoke_without_command=True,
    rich_markup_mode=None,
)
app.add_typer(studio_app, name="studio")


def command(group: typer.Typer = app, name: str | None = None, hidden: bool = False) -> Callable[[F], F]:
    """Register a command whose KhabarErrors become a one-line message and exit status 1."""

    def register(fn: F) -> F:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except KhabarError as error:
                fail(error)
            except OSError as error:  # a disk that is full or read-only, met outside the store
                if error.errno not in DISK_ERRNOS:
                    raise
                fail(disk_error(error.filename or "a file", error))

        group.command(name=name, hidden=hidden)(run)
        return fn

    return register


def fail(error: KhabarError) -> None:
    err.print(f"error: {error.message}", markup=False)
    if error.hint:
        err.print(f"hint: {error.hint}", markup=False)
    raise typer.Exit(1)


def here(path: Path | None) -> project.Project:
    return project.load(path) if path is not None else project.find()


def entity_labels(made: project.Project, text: str | None) -> frozenset[str] | None:
    """``PER,GPE,ORG`` as a set of the scheme's entity labels (None: all of them); a group
    ``GPE+LOC`` is scored as its first label (:func:`khabar.quality.evaluate.label_folds`)."""
    if text is None:
        return None
    known = made.scheme().entity_labels
    given = frozenset(part.strip().replace(" ", "") for part in text.split(",") if part.strip())
    unknown = sorted(set(lazy("khabar.quality.evaluate").label_folds(given)) - set(known))
    if unknown or not given:
        raise KhabarError(
            f"--labels: {', '.join(unknown) or 'no label'} is not an entity label of the scheme",
            hint=f"the scheme's entity labels: {', '.join(known)}",
        )
    return given


def version_callback(value: bool) -> None:
    if value:
        out.print(f"khabar {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=version_callback, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """khabar: build an annotated Arabic news corpus and publish it as versioned datasets."""
