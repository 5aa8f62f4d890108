"""A cache of per-document results, so that validating or releasing a grown corpus only
works on the documents that changed.

Entries are keyed by a hash of everything a result depends on (the stored lines of a
document and its layers, the scheme, khabar's code), so a stale entry is never read:
it is simply never asked for again. Each entry has a small summary (read by validation)
and a payload (read by a release). SQLite, one file in the project's state folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS unit (key TEXT PRIMARY KEY, summary BLOB NOT NULL, payload BLOB NOT NULL);"
    # work done on a whole shard (its drafts, for one annotator and one content): resumable runs
    "CREATE TABLE IF NOT EXISTS stamp (key TEXT PRIMARY KEY)"
)


def package_digest(paths: Iterable[str] | None = None, package: Traversable | None = None) -> str:
    """A hash of files of the khabar package: ``paths`` are files or folders in it (relative,
    with ``/``), every module (``**/*.py``) when None. Results are keyed by the code that made
    them, not only by the version, which stays the same in a khabar installed from git while
    its code moves."""
    package = package or resources.files("khabar")
    if paths is None:
        paths = sorted(_modules(package))
    digest = hashlib.sha256()
    for path in paths:
        item = package.joinpath(*path.split("/"))
        for file in sorted(item.iterdir(), key=lambda f: f.name) if item.is_dir() else [item]:
            if file.is_file():
                digest.update(f"{path}/{file.name}\0".encode() + file.read_bytes())
    return digest.hexdigest()[:12]


def _modules(folder: Traversable, prefix: str = "") -> Iterator[str]:
    """The ``*.py`` files under ``folder``, as paths relative to it, subpackages included."""
    for entry in folder.iterdir():
        if entry.is_dir() and entry.joinpath("__init__.py").is_file():
            yield from _modules(entry, f"{prefix}{entry.name}/")
        elif entry.name.endswith(".py"):
            yield prefix + entry.name


def pack(value: Any) -> bytes:
    return zlib.compress(json.dumps(value, ensure_ascii=False).encode(), 1)


def _unpack(raw: bytes) -> Any:
    return json.loads(zlib.decompress(raw))


class UnitCache:
    """Key -> (summary, payload), in SQLite at ``path`` or, without a path, in memory."""

    def __init__(self, path: Path | None = None) -> None:
        self.memory: dict[str, tuple[bytes, bytes]] | None = None
        self.db: sqlite3.Connection | None = None
        #: why results are not being kept on disk (a full or read-only disk), if they are not
        self.unwritable: str | None = None
        if path is None:
            self.memory = {}
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                self.db = self._open(path)
            except sqlite3.DatabaseError as error:
                if _unwritable(error):
                    raise
                path.unlink(missing_ok=True)  # a damaged cache only makes a run slower: start anew
                self.db = self._open(path)
        except (OSError, sqlite3.Error) as error:
            self._in_memory(error)

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(path, timeout=60)  # another command may be writing its results
        # A cache need not survive a power cut (a damaged one is started again, above):
        # commits skip the fsync, which cost a millisecond per shard stamped.
        db.execute("PRAGMA synchronous = OFF")
        db.executescript(SCHEMA)
        return db

    def _in_memory(self, error: Exception) -> None:
        """Go on without the disk: a cache only saves work, so a command that cannot write
        it (the disk is full or read-only) still runs, in full each time."""
        if self.db is not None:
            with contextlib.suppress(sqlite3.Error):
                self.db.close()
        self.db = None
        self.memory = {}
        self.unwritable = str(error)

    def _get(self, key: str, column: int) -> Any | None:
        if self.memory is not None:
            entry = self.memory.get(key)
            raw = entry[column] if entry else None
        else:
            assert self.db is not None
            name = ("summary", "payload")[column]
            row = self.db.execute(f"SELECT {name} FROM unit WHERE key = ?", (key,)).fetchone()
            raw = row[0] if row else None
        return None if raw is None else _unpack(raw)

    def summary(self, key: str) -> dict[str, Any] | None:
        value: dict[str, Any] | None = self._get(key, 0)
        return value

    def payload(self, key: str) -> dict[str, Any] | None:
        value: dict[str, Any] | None = self._get(key, 1)
        return value

    def put_packed(self, packed: list[tuple[str, bytes, bytes]]) -> None:
        """Entries already packed (by a worker) with :func:`pack`."""
        if self.memory is not None:
            self.memory.update((key, (s, p)) for key, s, p in packed)
            return
        assert self.db is not None
        try:
            with self.db:
                self.db.executemany(
                    "INSERT OR REPLACE INTO unit (key, summary, payload) VALUES (?, ?, ?)", packed
                )
        except sqlite3.OperationalError as error:
            if not _unwritable(error):
                raise
            self._in_memory(error)
            self.put_packed(packed)

    def close(self) -> None:
        if self.db is not None:
            self.db.close()

    def has_stamp(self, key: str) -> bool:
        if self.memory is not None:
            return ("stamp:" + key) in self.memory
        assert self.db is not None
        return self.db.execute("SELECT 1 FROM stamp WHERE key = ?", (key,)).fetchone() is not None

    def put_stamp(self, key: str) -> None:
        if self.memory is not None:
            self.memory["stamp:" + key] = (b"", b"")
            return
        assert self.db is not None
        try:
            with self.db:
                self.db.execute("INSERT OR IGNORE INTO stamp (key) VALUES (?)", (key,))
        except sqlite3.OperationalError as error:
            if not _unwritable(error):
                raise
            self._in_memory(error)
            self.put_stamp(key)


def _unwritable(error: sqlite3.Error) -> bool:
    """Whether SQLite failed for want of a writable disk (full, read-only, no access)."""
    message = str(error).lower()
    return any(
        words in message
        for words in ("disk is full", "readonly", "read-only", "unable to open", "disk i/o error", "access")
    )
