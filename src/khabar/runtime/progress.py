"""Progress bars for loops that can take more than a few seconds.

Drawn on stderr with rich when it is a terminal; silent otherwise (CI logs, tests).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from rich.console import Console
from rich.progress import Progress
from rich.progress import track as rich_track

T = TypeVar("T")

_console = Console(stderr=True)


def track(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """Iterate ``items`` with a progress bar when a person is watching."""
    if not _console.is_terminal:
        yield from items
        return
    yield from rich_track(items, description=description, total=total, console=_console, transient=True)


@contextmanager
def bar(description: str, total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar advanced by hand (by the results of many workers)."""
    if not _console.is_terminal:
        yield lambda _: None
        return
    # no refresh thread (auto_refresh off): worker processes may be forked while it draws
    with Progress(console=_console, transient=True, auto_refresh=False) as progress:
        task = progress.add_task(description, total=total)
        progress.refresh()

        def advance(steps: int) -> None:
            progress.advance(task, steps)
            progress.refresh()

        yield advance
