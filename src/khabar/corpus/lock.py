"""One writing command at a time per project.

Every command that writes the corpus, the annotations, a release or Label Studio's task
map holds ``.khabar/lock`` while it runs. The lock is an ``flock`` on that file, so the
kernel drops it when its process dies, however it dies: a lock left by a killed process is
never in the way. The file's text says who holds it, for the message another command gives.

A forked child (a ``--workers`` process) would share the lock's open file, and with it the
``flock``, for as long as it lives: a main process killed by ``kill -9`` would then leave
its workers holding the project. So a child closes its copy at fork (``os.register_at_fork``);
only the process that took the lock holds it.
"""

from __future__ import annotations

import fcntl
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from khabar.errors import KhabarError, writing_to


class BusyError(KhabarError):
    """Another khabar process is writing to the project."""


@dataclass(slots=True)
class _Held:
    fd: int
    depth: int = 1


_held: dict[Path, _Held] = {}  # lock files this process holds


def _forget_in_child() -> None:
    """In a forked child: close the inherited lock files (the parent holds the locks)."""
    for held in _held.values():
        with suppress(OSError):
            os.close(held.fd)
    _held.clear()


os.register_at_fork(after_in_child=_forget_in_child)


@contextmanager
def hold(path: Path, command: str | None = None) -> Iterator[None]:
    """Hold the lock at ``path`` (re-entrant within a process) or raise :class:`BusyError`."""
    path = path.resolve()
    if path in _held:
        _held[path].depth += 1
        try:
            yield
        finally:
            _held[path].depth -= 1
        return
    with writing_to(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 512, 0).decode("utf-8", "replace").strip() or "another process"
            raise BusyError(
                f"the project is busy: {holder}",
                hint="wait for that command to finish and run this one again",
            ) from None
        what = command or " ".join(["khabar", *sys.argv[1:]])
        with writing_to(path):
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()} is running `{what}` since {_now()}\n".encode(), 0)
        _held[path] = _Held(fd)
        try:
            yield
        finally:
            del _held[path]
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the flock


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
