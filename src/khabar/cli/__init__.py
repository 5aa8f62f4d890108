"""The command line: a thin layer over the library. Every command finds its project from
the current folder upward, or takes --project; ``khabar COMMAND --help`` shows an example."""

from __future__ import annotations

import importlib

from khabar.cli.app import app

# Each module registers its commands on the app; `khabar --help` lists them in the order of
# the work: the corpus, drafts, Label Studio, checks, releases.
for _group in ("corpus", "annotate", "studio", "quality", "release"):
    importlib.import_module(f"khabar.cli.{_group}")


def main() -> None:
    app()


__all__ = ["app", "main"]
