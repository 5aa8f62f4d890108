"""Errors a user can fix. The CLI prints each as one line and a hint, then exits 1."""

from __future__ import annotations


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
