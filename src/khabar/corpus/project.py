"""A corpus project: a folder with khabar.toml, corpus/, annotations/ and schemas/.

Only this module and the CLI know where things live in a project; the stages take
paths and objects as arguments.
"""

from __future__ import annotations

import functools
import json
import shutil
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from khabar.corpus import lock
from khabar.corpus.atomic import atomic_write
from khabar.corpus.scheme import Scheme, default_scheme_text
from khabar.corpus.store import Store
from khabar.errors import ProjectError
from khabar.runtime.cache import UnitCache

CONFIG_FILE = "khabar.toml"
STATE_DIR = ".khabar"  # local state: servers, locks, caches; never under version control

CONFIG_TEMPLATE = """\
# A khabar corpus project. Paths are relative to this file.
[project]
name = {name}
language = "ar"
license = "CC-BY-4.0"
description = "An Arabic news corpus annotated with named entities and PLOVER events."

[ingest]
# What `khabar build` ingests: .txt articles and interchange JSON Lines, or folders of them.
sources = ["sources"]

[release]
# Percentages per split. A document's split comes from a hash of its id, so it never moves.
train = 80
validation = 10
test = 10
"""

GITIGNORE = f"{STATE_DIR}/\nbuild/\n"


@dataclass(frozen=True, slots=True)
class Project:
    """A corpus project rooted at ``root``."""

    root: Path
    config: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.config.get("project", {}).get("name", self.root.name))

    def setting(self, section: str, key: str, default: Any = None) -> Any:
        return self.config.get(section, {}).get(key, default)

    @property
    def corpus_dir(self) -> Path:
        return self.root / "corpus"

    @property
    def annotations_dir(self) -> Path:
        return self.root / "annotations"

    @property
    def schemas_dir(self) -> Path:
        return self.root / "schemas"

    @property
    def scheme_path(self) -> Path:
        return self.schemas_dir / "scheme.yaml"

    @property
    def state_dir(self) -> Path:
        return self.root / STATE_DIR

    @property
    def build_dir(self) -> Path:
        return self.root / "build"

    @contextmanager
    def writing(self, command: str | None = None) -> Iterator[None]:
        """Hold the project's lock: one writing command at a time (:mod:`khabar.lock`).
        Holding it, the half-written files of a killed command are removed."""
        with lock.hold(self.state_dir / "lock", command):
            self.store().remove_orphans()
            for stale in self.state_dir.glob("ingest-*"):  # what a killed ingest set aside
                shutil.rmtree(stale, ignore_errors=True)
            for stale in self.build_dir.glob(".*.partial"):  # the folder of a killed release
                shutil.rmtree(stale, ignore_errors=True)
            yield

    def cache(self) -> UnitCache:
        """The project's cache of per-document results (``.khabar/cache.sqlite``)."""
        return UnitCache(self.state_dir / "cache.sqlite")

    def store(self) -> Store:
        return Store(self.corpus_dir, self.annotations_dir)

    def scheme(self) -> Scheme:
        if not self.scheme_path.exists():
            raise ProjectError(
                f"{self.scheme_path} is missing",
                hint="every project keeps its scheme there; `khabar init` writes the default one",
            )
        return Scheme.load(self.scheme_path)

    def splits(self) -> dict[str, int]:
        """Split name -> percentage of documents, from [release]."""
        splits = {
            name: int(self.setting("release", name, default))
            for name, default in (("train", 80), ("validation", 10), ("test", 10))
        }
        if sum(splits.values()) != 100 or min(splits.values()) < 0:
            raise ProjectError(
                f"{self.root / CONFIG_FILE}: [release] train, validation and test must add up to 100",
                hint=f"they add up to {sum(splits.values())}",
            )
        return splits

    def sources(self) -> list[Path]:
        return [self.root / p for p in self.setting("ingest", "sources", ["sources"])]


P = ParamSpec("P")
R = TypeVar("R")


def writes(function: Callable[Concatenate[Project, P], R]) -> Callable[Concatenate[Project, P], R]:
    """Run ``function(project, ...)`` holding the project's lock."""

    @functools.wraps(function)
    def locked(project: Project, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with project.writing():
            return function(project, *args, **kwargs)

    return locked


def load(root: Path) -> Project:
    path = root / CONFIG_FILE
    try:
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ProjectError(
            f"{root} is not a khabar project (no {CONFIG_FILE})", hint="create one with `khabar init DIR`"
        ) from err
    except tomllib.TOMLDecodeError as err:
        raise ProjectError(f"{path}: not valid TOML ({err})") from err
    return Project(root.resolve(), config)


def find(start: Path | None = None) -> Project:
    """The project containing ``start`` (default: the current directory), searching upward."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_FILE).is_file():
            return load(folder)
    raise ProjectError(
        f"no {CONFIG_FILE} in {here} or any folder above it",
        hint="run the command inside a project, pass --project DIR, or create one with `khabar init DIR`",
    )


def init(root: Path, name: str | None = None) -> Project:
    """Create a project with the default scheme. Refuses to overwrite an existing one."""
    if (root / CONFIG_FILE).exists():
        raise ProjectError(f"{root} is already a khabar project", hint=f"edit {root / CONFIG_FILE} instead")
    for folder in ("corpus", "annotations", "schemas", "sources"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    atomic_write(root / "schemas" / "scheme.yaml", default_scheme_text())
    guidelines = resources.files("khabar").joinpath("data/guidelines.md").read_text(encoding="utf-8")
    atomic_write(root / "schemas" / "guidelines.md", guidelines)
    # local state holds the Label Studio token and password: never tracked
    ignore = root / ".gitignore"
    before = ignore.read_text(encoding="utf-8") if ignore.exists() else ""
    missing = [line for line in GITIGNORE.splitlines() if line not in before.splitlines()]
    if missing:
        atomic_write(
            ignore,
            before + ("\n" if before and not before.endswith("\n") else "") + "\n".join(missing) + "\n",
        )
    atomic_write(
        root / CONFIG_FILE,
        CONFIG_TEMPLATE.format(name=json.dumps(name or root.resolve().name, ensure_ascii=False)),
    )
    return load(root)
