"""A project's trained models: where they live (``models/``) and which one a name means."""

from __future__ import annotations

from pathlib import Path

from khabar.annotate import crf
from khabar.corpus.project import Project
from khabar.errors import KhabarError


def models_dir(project: Project) -> Path:
    return project.root / "models"


def resolve(project: Project, spec: str) -> crf.Model:
    """``latest``, a model id under models/, or a path."""
    folder = models_dir(project)
    if spec == "latest":
        pointer = folder / "latest"
        if not pointer.is_file():
            raise KhabarError("the project has no model yet", hint="train one with `khabar train`")
        spec = pointer.read_text(encoding="utf-8").strip()
        if not (folder / spec).resolve().is_relative_to(folder.resolve()):
            raise KhabarError(f"{pointer} points outside models/: {spec!r}", hint="train again")
    path = folder / spec if (folder / spec).is_dir() else Path(spec)
    return crf.Model.load(path)
