"""Progress bars for loops that can take more than a few seconds.

Drawn on stderr with rich when it is a terminal; silent otherwise (CI logs, tests).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from rich.console import Console
from rich.progress import track as rich_track

T = TypeVar("T")

_console = Console(stderr=True)


def track(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """Iterate ``items`` with a progress bar when a person is watching."""
    if not _console.is_terminal:
        yield from items
        return
    yield from rich_track(items, description=description, total=total, console=_console, transient=True)
