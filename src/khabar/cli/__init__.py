"""The command line: a thin layer over the library. Every command finds its project from
the current folder upward, or takes --project; ``khabar COMMAND --help`` shows an example."""

from __future__ import annotations

# each module registers its commands on the app, in the order `khabar --help` lists them
from khabar.cli import annotate, corpus, quality, release, studio  # noqa: F401
from khabar.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
