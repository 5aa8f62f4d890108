"""Finding and setting aside broken lines of the store: lines cut short, not JSON objects,
records khabar cannot read, and a document or layer stored twice.

``khabar doctor`` lists them with ``file:line``; with ``--quarantine`` it moves each
broken line into ``.khabar/quarantine/`` (as text, bytes that are not UTF-8 as ``\\xNN``,
with where it came from and why) and rewrites the shard without it, so every other line
goes on being read. Nothing is deleted: a quarantined line can be mended by hand and put back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from khabar.corpus.atomic import all_or_nothing, atomic_write
from khabar.corpus.lines import CorruptStoreError, check_line, shown
from khabar.corpus.project import Project


@dataclass(frozen=True, slots=True)
class Finding:
    """A broken line: where it is (``file:line``), what is wrong, and its bytes."""

    where: str
    problem: str
    raw: bytes

    def __str__(self) -> str:
        return f"{self.where}: {self.problem}"


def _files(made: Project) -> list[tuple[Path, str]]:
    """Every stored file with the kind of line it holds."""
    store = made.store()
    found = [(p, "document") for p in sorted(store.corpus_dir.glob("*.jsonl"))]
    found += [(p, "layer") for p in sorted(store.annotations_dir.glob("*.jsonl"))]
    found += [(p, "layer") for p in sorted(store.drafts_dir.glob("*.jsonl"))]
    found += [(p, "history") for p in sorted(store.history_dir.glob("*.jsonl"))]
    return found


def _examine_file(path: Path, kind: str) -> tuple[list[Finding], list[bytes]]:
    """The broken lines of one file, and the lines to keep (the first of a key seen twice)."""
    findings: list[Finding] = []
    kept: list[bytes] = []
    first: dict[object, int] = {}
    name = shown(path)
    for number, raw in enumerate(path.read_bytes().splitlines(keepends=True), start=1):
        if not raw.strip():
            continue
        where = f"{name}:{number}"
        try:
            key = check_line(raw.rstrip(b"\n"), where, kind)
        except CorruptStoreError as error:
            findings.append(Finding(where, error.message.removeprefix(f"{where}: "), raw))
            continue
        if key in first:
            what = "the same line" if kind == "history" else "the same document or layer"
            findings.append(Finding(where, f"{what} again (first at line {first[key]})", raw))
            continue
        first[key] = number
        kept.append(raw if raw.endswith(b"\n") else raw + b"\n")
    return findings, kept


def examine(made: Project) -> list[Finding]:
    """Every broken line of the project's store."""
    return [finding for path, kind in _files(made) for finding in _examine_file(path, kind)[0]]


def quarantine(made: Project) -> tuple[list[Finding], Path | None]:
    """Move every broken line into a quarantine folder and rewrite its file without it
    (all files or none). Returns the lines moved and the folder (None when none was)."""
    moved: list[Finding] = []
    folder = made.state_dir / "quarantine" / datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    with made.writing("khabar doctor --quarantine"), all_or_nothing():
        for path, kind in _files(made):
            findings, kept = _examine_file(path, kind)
            if not findings:
                continue
            moved += findings
            relative = path.relative_to(made.root)
            records = [
                {"where": f.where, "problem": f.problem, "line": f.raw.decode("utf-8", "backslashreplace")}
                for f in findings
            ]
            atomic_write(
                folder / f"{str(relative).replace('/', '__')}.jsonl",
                "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records),
            )
            atomic_write(path, b"".join(kept))
    return moved, (folder if moved else None)
