"""Errors a user can fix. The CLI prints each as one line and a hint, then exits 1."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager


class KhabarError(Exception):
    """A problem with the input, the project or a server, explained in plain words."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class ProjectError(KhabarError):
    """No project here, or its configuration is wrong."""


class SchemeError(KhabarError):
    """schemas/scheme.yaml is malformed or a label is not in it."""


class InputError(KhabarError):
    """An input file or record cannot be read; says which file and line."""


class StudioError(KhabarError):
    """Label Studio cannot be reached, refused a request or holds unexpected data."""


class ReleaseError(KhabarError):
    """A release cannot be written or does not match its manifest."""


class WriteError(KhabarError):
    """A file could not be written: the disk is full, read-only or not ours to write."""


#: errors of the file system rather than of khabar: said in one line, never a traceback
DISK_ERRNOS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG, errno.EIO}
)
_DISK_HINTS = {
    errno.ENOSPC: "free some space on that disk and run the command again; nothing was changed",
    errno.EDQUOT: "free some space within your quota and run the command again; nothing was changed",
    errno.EFBIG: "a file-size limit (ulimit -f) stopped the write; raise it and run the command again",
    errno.EROFS: "the file system is mounted read-only; run the command where the project can be written",
}


def disk_error(path: object, error: OSError) -> WriteError:
    """The one-line error for an OSError of the disk (see DISK_ERRNOS) met writing ``path``."""
    return WriteError(
        f"cannot write {path}: {error.strerror or error}",
        hint=_DISK_HINTS.get(
            error.errno or 0, "check the folder's permissions and run the command again; nothing was changed"
        ),
    )


@contextmanager
def writing_to(path: object) -> Iterator[None]:
    """Turn an OSError of the disk (full, read-only, no permission) met while writing
    ``path`` into a one-line :class:`WriteError`; any other error goes on as it is."""
    try:
        yield
    except OSError as error:
        if error.errno not in DISK_ERRNOS:
            raise
        raise disk_error(path, error) from error
