"""Name lists for pre-annotation: curated YAML files, shipped and per project.

A list file names one entity label and its entries:

    label: GPE
    score: 0.9            # how sure a match is (optional)
    names: [روسيا, موسكو, الولايات المتحدة]
    ambiguous: [عمان]     # also common words: matched only after a cue word (optional)

Entries are compared in the analysis view (``khabar.text.normalize``), so spelling
variants of hamza, alif maqsura, taa marbuta and tashkeel need no extra entries.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from khabar.errors import InputError
from khabar.text import normalize


@dataclass(frozen=True, slots=True)
class Entry:
    label: str
    source: str
    score: float
    ambiguous: bool = False


@dataclass
class Gazetteer:
    """Phrases (tuples of normalised words) -> entries, with a first-word index."""

    phrases: dict[tuple[str, ...], Entry] = field(default_factory=dict)
    longest: dict[str, int] = field(default_factory=dict)
    digest: Any = field(default_factory=hashlib.sha256)

    def add(self, name: str, entry: Entry) -> None:
        words = tuple(normalize(name).replace("-", " ").split())
        if not words:
            return
        # A later list overrides an earlier one: project lists come last.
        self.phrases[words] = entry
        self.longest[words[0]] = max(self.longest.get(words[0], 0), len(words))
        self.digest.update(f"{' '.join(words)}\t{entry}\n".encode())

    def get(self, words: tuple[str, ...]) -> Entry | None:
        return self.phrases.get(words)

    @property
    def version(self) -> str:
        return str(self.digest.hexdigest()[:12])

    def __len__(self) -> int:
        return len(self.phrases)

    def load_file(self, path: Path, labels: tuple[str, ...]) -> None:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as err:
            raise InputError(f"{path}: cannot read the name list ({err})") from err
        self.load_mapping(data, str(path), path.stem, labels)

    def load_mapping(self, data: object, where: str, source: str, labels: tuple[str, ...]) -> None:
        if not isinstance(data, dict) or data.get("label") not in labels:
            raise InputError(f"{where}: a name list needs 'label' (one of {', '.join(labels)}) and 'names'")
        score = float(data.get("score", 0.9))
        for key, ambiguous in (("names", False), ("ambiguous", True)):
            names = data.get(key, [])
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise InputError(f"{where}: '{key}' must be a list of names")
            for name in names:
                self.add(name, Entry(data["label"], f"list:{source}", score, ambiguous))


def shipped_lists() -> list[tuple[str, str]]:
    """(name, YAML text) of the lists that come with khabar."""
    folder = resources.files("khabar").joinpath("data/gazetteer")
    return sorted(
        (f.name.removesuffix(".yaml"), f.read_text(encoding="utf-8"))
        for f in folder.iterdir()
        if f.name.endswith(".yaml")
    )


def load(labels: tuple[str, ...], project_lists: Path | None = None) -> Gazetteer:
    """The shipped lists, then the project's own (``gazetteers/*.yaml``), which win."""
    gazetteer = Gazetteer()
    for name, text in shipped_lists():
        gazetteer.load_mapping(yaml.safe_load(text), f"khabar/data/gazetteer/{name}.yaml", name, labels)
    if project_lists is not None and project_lists.is_dir():
        for path in sorted(project_lists.glob("*.yaml")):
            gazetteer.load_file(path, labels)
    return gazetteer
