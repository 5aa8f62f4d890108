"""The annotation scheme, loaded from schemas/scheme.yaml: the only place a label is spelled.

Everything else (Label Studio config, validation rules, release tag sets, the dataset
card) derives from a :class:`Scheme`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from khabar.errors import SchemeError

LABEL_NAME = re.compile(r"[A-Z][A-Z0-9_]*")
ROLE_NAME = re.compile(r"[A-Z][A-Za-z]*")
REALIS_NAME = re.compile(r"[a-z]+")
COLOR = re.compile(r"#[0-9a-fA-F]{6}")
HOTKEY = re.compile(r"((ctrl|shift|alt)\+)*[a-z0-9]")


def default_scheme_text() -> str:
    """The scheme a new project starts with (shipped inside the package)."""
    return resources.files("khabar").joinpath("data/scheme.yaml").read_text(encoding="utf-8")


@dataclass(frozen=True, slots=True)
class Label:
    """An entity label or an event type, with what annotators see of it."""

    name: str
    description: str
    examples: tuple[str, ...]
    color: str
    hotkey: str


@dataclass(frozen=True, slots=True)
class Role:
    """An event argument role and the entity labels that may fill it."""

    name: str
    description: str
    entities: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Scheme:
    """Entity labels, event types, argument roles and realis values of a corpus."""

    name: str
    version: int
    entities: tuple[Label, ...]
    events: tuple[Label, ...]
    roles: tuple[Role, ...]
    realis: tuple[tuple[str, str], ...]
    sha256: str
    #: the file it was read from, as messages name it (the rules' label check says where to add one)
    where: str = field(default="the scheme", compare=False)

    @property
    def entity_labels(self) -> tuple[str, ...]:
        return tuple(label.name for label in self.entities)

    @property
    def event_types(self) -> tuple[str, ...]:
        return tuple(label.name for label in self.events)

    @property
    def role_names(self) -> tuple[str, ...]:
        return tuple(role.name for role in self.roles)

    @property
    def realis_values(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.realis)

    def role(self, name: str) -> Role:
        for role in self.roles:
            if role.name == name:
                return role
        raise SchemeError(f"role {name!r} is not in the scheme", hint=f"roles: {', '.join(self.role_names)}")

    def ner_tags(self) -> tuple[str, ...]:
        """IOB2 tags of entities, ``O`` first: the ClassLabel names of releases."""
        return ("O", *(f"{p}-{name}" for name in self.entity_labels for p in ("B", "I")))

    def event_tags(self) -> tuple[str, ...]:
        """IOB2 tags of event triggers, ``O`` first."""
        return ("O", *(f"{p}-{name}" for name in self.event_types for p in ("B", "I")))

    @classmethod
    def load(cls, path: Path | None = None) -> Scheme:
        """Read and check a scheme file; ``None`` gives the default scheme."""
        where = str(path) if path else "the default scheme"
        try:
            text = path.read_text(encoding="utf-8") if path else default_scheme_text()
        except OSError as err:
            raise SchemeError(f"{where}: cannot read the scheme ({err.strerror})") from err
        return cls.parse(text, where=where)

    @classmethod
    def parse(cls, text: str, *, where: str = "scheme") -> Scheme:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as err:
            raise SchemeError(f"{where}: not valid YAML ({err})") from err
        if not isinstance(data, dict):
            raise SchemeError(f"{where}: expected a mapping with entities, events, roles and realis")
        entities = _labels(data, "entities", where)
        events = _labels(data, "events", where)
        roles = _roles(data, where, {label.name for label in entities})
        realis = _realis(data, where)
        _check_unique_hotkeys(entities + events, where)
        clash = {label.name for label in entities} & {label.name for label in events}
        if clash:
            raise SchemeError(
                f"{where}: {', '.join(sorted(clash))} is both an entity label and an event type"
            )
        version = data.get("version", 1)
        if not isinstance(version, int):
            raise SchemeError(f"{where}: version must be an integer, got {version!r}")
        return cls(
            name=str(data.get("name", "khabar")),
            version=version,
            entities=entities,
            events=events,
            roles=roles,
            realis=realis,
            sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
            where=where,
        )


def _mapping(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict) or not value:
        raise SchemeError(f"{where}: '{key}' must be a non-empty mapping")
    return value


def _labels(data: dict[str, Any], key: str, where: str) -> tuple[Label, ...]:
    labels = []
    for name, spec in _mapping(data, key, where).items():
        at = f"{where}: {key}.{name}"
        if not isinstance(name, str) or not LABEL_NAME.fullmatch(name):
            raise SchemeError(f"{at}: a label is written in capitals, digits and '_' (like GPE)")
        if not isinstance(spec, dict):
            raise SchemeError(f"{at}: expected description, examples, color and hotkey")
        color = str(spec.get("color", ""))
        if not COLOR.fullmatch(color):
            raise SchemeError(f"{at}.color: {color!r} is not a colour like '#e6194b'")
        hotkey = str(spec.get("hotkey", ""))
        if not HOTKEY.fullmatch(hotkey):
            raise SchemeError(f"{at}.hotkey: {hotkey!r} is not a key like 'p' or 'shift+p'")
        examples = spec.get("examples", [])
        if not isinstance(examples, list):
            raise SchemeError(f"{at}.examples: expected a list")
        labels.append(Label(name, str(spec.get("description", "")), tuple(map(str, examples)), color, hotkey))
    return tuple(labels)


def _roles(data: dict[str, Any], where: str, entity_labels: set[str]) -> tuple[Role, ...]:
    roles = []
    for name, spec in _mapping(data, "roles", where).items():
        at = f"{where}: roles.{name}"
        if not isinstance(name, str) or not ROLE_NAME.fullmatch(name):
            raise SchemeError(f"{at}: a role is one capitalised word (like Actor)")
        if not isinstance(spec, dict) or not isinstance(spec.get("entities"), list):
            raise SchemeError(f"{at}: expected a description and a list of entity labels")
        unknown = [label for label in spec["entities"] if label not in entity_labels]
        if unknown:
            raise SchemeError(f"{at}.entities: {', '.join(map(str, unknown))} not among the entity labels")
        roles.append(Role(name, str(spec.get("description", "")), tuple(spec["entities"])))
    return tuple(roles)


def _realis(data: dict[str, Any], where: str) -> tuple[tuple[str, str], ...]:
    realis = []
    for name, description in _mapping(data, "realis", where).items():
        if not isinstance(name, str) or not REALIS_NAME.fullmatch(name):
            raise SchemeError(f"{where}: realis.{name}: a realis value is one lower-case word")
        realis.append((name, str(description)))
    return tuple(realis)


def _check_unique_hotkeys(labels: tuple[Label, ...], where: str) -> None:
    seen: dict[str, str] = {}
    for label in labels:
        if label.hotkey in seen:
            raise SchemeError(
                f"{where}: hotkey {label.hotkey!r} is used by both {seen[label.hotkey]} and {label.name}"
            )
        seen[label.hotkey] = label.name
