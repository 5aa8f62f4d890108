"""Name lists and context words for pre-annotation, kept as data (YAML), shipped and per project.

A name list file names one entity label and its entries:

    label: GPE
    score: 0.9            # how sure a match is (optional, default 0.9)
    names: [روسيا, موسكو, الولايات المتحدة]
    ambiguous: [صور]      # also common words: matched only after a cue word (مدينة صور)
    adjectives: [روسي]    # nationality adjectives: also matched as الروسي، الروسية، روس ...

The lists shipped with khabar are in ``khabar/data/gazetteer`` (``derived-*`` ones are
made from Babel/CLDR, pycountry and pyarabic by tools/derive_gazetteers.py; those in
``candidates/``, given names, surnames and the PETRARCH actors, by tools/derive_names.py,
are read by :func:`load_derived`); a project
adds its own in ``gazetteers/*.yaml``, which win over shipped entries. The context
words of the rules (titles, months, currencies ...) are in ``khabar/data/lexicon``.
Entries are compared in the analysis view (``khabar.text.normalize``), so spelling
variants of hamza, alif maqsura, taa marbuta and tashkeel need no entries of their own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from khabar.errors import InputError
from khabar.text.analysis import normalize

# libyaml's loader when PyYAML was built with it: the shipped lists load in a fraction of the time
SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _yaml(text: str) -> Any:
    return yaml.load(text, Loader=SafeLoader)


@dataclass(frozen=True, slots=True)
class Entry:
    label: str
    source: str
    score: float
    ambiguous: bool = False


def words_of(name: str) -> tuple[str, ...]:
    """A name as a tuple of normalised words (hyphens count as spaces)."""
    return tuple(normalize(name).replace("-", " ").split())


def normalised_words(words: Iterable[object] | None) -> frozenset[str]:
    """Listed words (or phrases) as the analysis view writes them."""
    return frozenset(" ".join(words_of(str(w))) for w in words or ())


def inflections(adjective: str) -> list[str]:
    """The forms news uses of a nationality adjective: روسي -> الروسي، الروسية، روسيون ..."""
    stem = adjective
    forms = [stem, stem + "ة", stem + "ون", stem + "ين", stem + "ات"]
    return forms + ["ال" + form for form in forms]


@dataclass
class Gazetteer:
    """Phrases (tuples of normalised words) -> entries, with a first-word index."""

    phrases: dict[tuple[str, ...], Entry] = field(default_factory=dict)
    longest: dict[str, int] = field(default_factory=dict)
    #: the first two words of every longer name: most words start no name of two words
    pairs: set[tuple[str, str]] = field(default_factory=set)
    digest: Any = field(default_factory=hashlib.sha256)
    #: derived person-name lists (``candidates/derived-person-names.yaml``), normalised:
    #: given names and surnames -> frequency band (1 most common .. 4), other name tokens
    given: dict[str, int] = field(default_factory=dict)
    surnames: dict[str, int] = field(default_factory=dict)
    other_names: frozenset[str] = frozenset()

    def add(self, name: str, entry: Entry, *, override: bool = True) -> None:
        """Add a name. Without ``override`` an ambiguous entry does not replace a plain one
        (shipped lists: «العربية» stays a nationality although a channel is called so)."""
        words = words_of(name)
        if not words:
            return
        old = self.phrases.get(words)
        if old is not None and not override and entry.ambiguous and not old.ambiguous:
            return
        self.phrases[words] = entry
        self.longest[words[0]] = max(self.longest.get(words[0], 0), len(words))
        if len(words) > 1:
            self.pairs.add((words[0], words[1]))
        self.digest.update(f"{' '.join(words)}\t{entry}\n".encode())

    def get(self, words: tuple[str, ...]) -> Entry | None:
        return self.phrases.get(words)

    def label_of(self, words: tuple[str, ...]) -> str | None:
        entry = self.phrases.get(words)
        return entry.label if entry else None

    @property
    def version(self) -> str:
        return str(self.digest.hexdigest()[:12])

    def __len__(self) -> int:
        return len(self.phrases)

    def load_file(self, path: Path, labels: tuple[str, ...]) -> None:
        """A project's list: its entries win over the shipped ones."""
        try:
            data = _yaml(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as err:
            raise InputError(f"{path}: cannot read the name list ({err})") from err
        self.load_mapping(data, str(path), path.stem, labels, override=True)

    def load_mapping(
        self, data: object, where: str, source: str, labels: tuple[str, ...], *, override: bool = False
    ) -> None:
        if not isinstance(data, dict) or data.get("label") not in labels:
            raise InputError(f"{where}: a name list needs 'label' (one of {', '.join(labels)}) and 'names'")
        score = float(data.get("score", 0.9))
        for key in ("names", "adjectives", "ambiguous"):
            names = data.get(key, [])
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise InputError(f"{where}: '{key}' must be a list of names")
        # a name in both would silently be plain (the later entry wins): say so instead
        plain = {words_of(n) for n in data.get("names", [])}
        both = [n for n in data.get("ambiguous", []) if words_of(n) in plain]
        if both:
            raise InputError(
                f"{where}: «{both[0]}» is both in 'names' and in 'ambiguous' ({len(both)} such)",
                hint="keep it under 'ambiguous' to match it after a cue word only, or under 'names'",
            )
        for key in ("names", "adjectives", "ambiguous"):
            for name in data.get(key, []):
                forms = inflections(name) if key == "adjectives" else [name]
                for form in forms:
                    entry = Entry(data["label"], f"list:{source}", score, key == "ambiguous")
                    self.add(form, entry, override=override)


@dataclass(frozen=True)
class Lexicon:
    """Context words of the rules, normalised: each key of the lexicon files is a set of phrases."""

    words: dict[str, frozenset[str]]

    def __getitem__(self, key: str) -> frozenset[str]:
        return self.words.get(key, frozenset())

    def phrases(self, key: str) -> list[str]:
        """The phrases of ``key``, longest first (for regular expressions)."""
        return sorted(self[key], key=lambda p: (-len(p), p))


def _data(folder: str) -> list[tuple[str, str]]:
    root = resources.files("khabar").joinpath(f"data/{folder}")
    return sorted(
        (f.name.removesuffix(".yaml"), f.read_text(encoding="utf-8"))
        for f in root.iterdir()
        if f.name.endswith(".yaml")
    )


EVENTS_FILE = "events"  # the trigger lexicon: nested by event type, read by load_triggers


def load_triggers() -> dict[str, Any]:
    """The event trigger lexicon by event type: ``khabar/data/lexicon/events.yaml`` and the
    reviews that extend it (``events-*.yaml``), each type's lists joined in file order."""
    merged: dict[str, Any] = {}
    for name, text in _data("lexicon"):
        if name != EVENTS_FILE and not name.startswith(EVENTS_FILE + "-"):
            continue
        data = _yaml(text)
        if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
            raise InputError(f"khabar/data/lexicon/{name}.yaml: expected event types with their word lists")
        for etype, entry in data.items():
            into = merged.setdefault(etype, {})
            for key, value in entry.items():
                if isinstance(value, list) and isinstance(into.get(key), list):
                    into[key] = [*into[key], *value]
                elif key not in into:
                    into[key] = value
    return merged


def load_lexicon() -> Lexicon:
    merged: dict[str, set[str]] = {}
    for name, text in _data("lexicon"):
        if name == EVENTS_FILE or name.startswith(EVENTS_FILE + "-"):
            continue
        data = _yaml(text)
        if not isinstance(data, dict):
            raise InputError(f"khabar/data/lexicon/{name}.yaml: expected lists of words by key")
        for key, values in data.items():
            merged.setdefault(key, set()).update(" ".join(words_of(v)) for v in values)
    return Lexicon({k: frozenset(v) for k, v in merged.items()})


CANDIDATES = "gazetteer/candidates"
PLAIN_NOT = (
    "'",
    '"',
    "[",
    "{",
    "&",
    "*",
    "!",
    "|",
    ">",
    "",
)  # what starts a YAML value that is no plain name
PERSON_NAMES = "derived-person-names"
ACTORS = "derived-actors"
ACTOR_SCORE = 0.8  # a name of the PETRARCH actor dictionary (full names, organisations)
TOWNS = "derived-towns"
CUE_ONLY_CITIES = "list:derived-cities"  # Babel's and pyarabic's cities: all need a place cue
TOWN_SCORE = 0.7  # a GeoNames town: a place first, but many are also family names


def _bands(data: object, where: str) -> dict[str, int]:
    if not isinstance(data, dict):
        raise InputError(f"{where}: expected frequency bands of names")
    return {name: int(band) for band, names in sorted(data.items(), reverse=True) for name in names}


def read_person_names(text: str) -> Any:
    """The person-name lists as ``yaml.safe_load`` reads them, six times as fast: the
    derivation writes block lists of plain names under a key (``other:``) or under bands
    of a key (``given:`` then ``  1:``); anything else is left to the YAML parser."""
    data: dict[str, Any] = {}
    key = ""
    names: list[str] = []
    for line in text.splitlines():
        if not line or line[0] == "#":
            continue
        item = line.lstrip(" ")
        if item[:2] == "- " and item[2:3] not in PLAIN_NOT:
            names.append(item[2:])
        elif line[0] != " " and line.endswith(":"):  # given: / surname: / other:
            key = line[:-1]
            names = data[key] = []
        elif line[:2] == "  " and line.endswith(":") and item[:-1].isdigit() and key:  # a band
            if not isinstance(data[key], dict):
                data[key] = {}
            names = data[key][int(item[:-1])] = []
        else:
            return _yaml(text)
    return data


def load_derived(gazetteer: Gazetteer, labels: tuple[str, ...]) -> None:
    """The derived candidate lists (tools/derive_names.py): given names, surnames and other
    name tokens for the person rules, the actor dictionary's organisations and people
    (full names) and GeoNames' towns (tools/derive_towns.py; those that are also common
    words need a place cue), below every other list: an entry already listed keeps its
    label, so the actors' places, kept only when a place list has them, add nothing."""
    lists = dict(_data(CANDIDATES))
    names = read_person_names(lists[PERSON_NAMES])
    where = f"khabar/data/{CANDIDATES}/{PERSON_NAMES}.yaml"
    gazetteer.given = _bands(names.get("given"), where)
    gazetteer.surnames = _bands(names.get("surname"), where)
    gazetteer.other_names = frozenset(names.get("other", ()))
    gazetteer.digest.update(lists[PERSON_NAMES].encode())
    actors = _yaml(lists[ACTORS])
    for label, rows in actors.items():
        if label not in labels:
            continue
        for form, _codes, _line in rows:
            if words_of(form) not in gazetteer.phrases:
                gazetteer.add(form, Entry(label, f"list:{ACTORS}", ACTOR_SCORE))
    towns = _yaml(lists[TOWNS])
    if not isinstance(towns, dict) or not isinstance(towns.get("label"), str):
        raise InputError(f"khabar/data/{CANDIDATES}/{TOWNS}.yaml: expected a label and lists of names")
    label = towns["label"]
    if label in labels:
        for key, ambiguous in (("names", False), ("ambiguous", True)):
            for name in towns.get(key, []):
                old = gazetteer.get(words_of(name))
                # a city of the derived list, all behind a cue (many are words), that the
                # towns' frequencies found a name only (كربلاء، الموصل) needs none
                if old is None or (not ambiguous and old.ambiguous and old.source == CUE_ONLY_CITIES):
                    gazetteer.add(name, Entry(label, f"list:{TOWNS}", TOWN_SCORE, ambiguous))


def load(labels: tuple[str, ...], project_lists: Path | None = None) -> Gazetteer:
    """The shipped lists, then the project's own (``gazetteers/*.yaml``), which win."""
    gazetteer = Gazetteer()
    for name, text in _data("gazetteer"):
        gazetteer.load_mapping(_yaml(text), f"khabar/data/gazetteer/{name}.yaml", name, labels)
    load_derived(gazetteer, labels)
    if project_lists is not None and project_lists.is_dir():
        for path in sorted(project_lists.glob("*.yaml")):
            gazetteer.load_file(path, labels)
    return gazetteer
