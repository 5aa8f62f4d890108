"""Files written whole or not at all: one by a rename into place, many together with all_or_nothing."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from khabar.errors import writing_to


def _file_mode() -> int:
    # mkstemp creates 0600 files; give written files the mode open() would (0666 & ~umask)
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


FILE_MODE = _file_mode()


def sync_directory(folder: Path) -> None:
    """Make the renames in ``folder`` durable."""
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def atomic_write(path: Path, data: bytes | str, *, sync_dir: bool = True, durable: bool = True) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    With ``sync_dir=False`` the caller syncs the folder once after many writes. With
    ``durable=False`` nothing is forced to disk: still atomic for a crashed process, for
    files that can be made again (machine drafts). Inside :func:`all_or_nothing` the file
    is only staged. A full or read-only disk raises a one-line
    :class:`~khabar.errors.WriteError`, the temporary file removed."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with writing_to(path):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            os.fchmod(fd, FILE_MODE)
            with os.fdopen(fd, "wb") as out:
                out.write(raw)
                if durable:
                    out.flush()
                    os.fsync(out.fileno())
            if _staged is not None:
                _stage(path, Path(tmp))
                return
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        if sync_dir and durable:
            sync_directory(path.parent)


def remove_file(path: Path) -> None:
    """Delete ``path`` (staged inside :func:`all_or_nothing`)."""
    if _staged is not None:
        _stage(path, None)
    else:
        path.unlink(missing_ok=True)


# Files written inside all_or_nothing: path -> its staged new content (None: deleted).
_staged: dict[Path, Path | None] | None = None


def _stage(path: Path, tmp: Path | None) -> None:
    assert _staged is not None
    previous = _staged.get(path)
    if previous is not None:
        previous.unlink(missing_ok=True)
    _staged[path] = tmp


def current(path: Path) -> Path | None:
    """Where the content of ``path`` is now: its staged version inside all_or_nothing."""
    if _staged is not None and path in _staged:
        return _staged[path]
    return path


@contextmanager
def all_or_nothing() -> Iterator[None]:
    """Every file written inside is staged beside its target and renamed into place only
    when the block ends without an error: a write that fails (a full disk) leaves every
    file as it was, and its staged files are removed."""
    global _staged
    if _staged is not None:  # nested: the outer block commits
        yield
        return
    staged: dict[Path, Path | None] = {}
    _staged = staged
    try:
        yield
    except BaseException:
        _staged = None
        for tmp in staged.values():
            if tmp is not None:
                tmp.unlink(missing_ok=True)
        raise
    _staged = None
    for path, tmp in staged.items():
        with writing_to(path):
            if tmp is None:
                path.unlink(missing_ok=True)
            else:
                os.replace(tmp, path)
    for folder in {path.parent for path in staged}:
        if folder.is_dir():
            sync_directory(folder)
