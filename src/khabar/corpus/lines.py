"""The store's JSON lines: a record written as one, read back and checked, a broken one named."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from khabar.corpus.atomic import current
from khabar.corpus.records import document_from_record, document_key, layer_from_record, layer_key
from khabar.errors import ProjectError

T = TypeVar("T")


def dumps(record: dict[str, Any]) -> str:
    """One JSON line: UTF-8 text as is (Arabic stays readable in diffs), no spaces."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


class RawDocument(NamedTuple):
    """A document's stored line and its layers' lines, with where each is (``file:line``:
    the document's first, then its layers')."""

    doc_id: str
    line: str
    layer_lines: list[str]
    where: tuple[str, ...]


class CorruptStoreError(ProjectError):
    """A stored line is not what khabar writes: cut short, not a JSON object, or a duplicate."""


def shown(path: Path) -> str:
    """``path`` as a user reads it: relative to the current folder when inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def broken(where: str, what: str) -> CorruptStoreError:
    """The error for a corrupt line at ``where`` (``file:line``)."""
    file = where.rsplit(":", 1)[0]
    return CorruptStoreError(
        f"{where}: {what}",
        hint=f"restore {file} from git (`git log -p -- {file}`), or run `khabar doctor --quarantine` "
        "to set the broken lines aside and keep the rest",
    )


def line_id(line: str, prefix: str, where: str) -> str:
    """The id in a record line, read without parsing it (khabar writes ``{"id":"..."``
    first, and ids need no escaping); a hand-edited line is parsed."""
    if line.startswith("{" + prefix):
        start = len(prefix) + 1
        end = line.find('"', start)
        if end != -1:
            return line[start:end]
    key = "doc_id" if prefix.startswith('"doc_id"') else "id"
    value = parse_line(line, where).get(key)
    if not isinstance(value, str):
        raise broken(where, f"the record is not what khabar writes (no {key!r} string)")
    return value


def line_layer_key(line: str, where: str) -> tuple[str, str]:
    """(document id, layer name) of a layer line, read without parsing it when khabar wrote it."""
    doc_id = line_id(line, '"doc_id":"', where)
    head = f'{{"doc_id":"{doc_id}","name":"'
    if line.startswith(head):
        end = line.find('"', len(head))
        if end != -1:
            return doc_id, line[len(head) : end]
    name = parse_line(line, where).get("name")
    if not isinstance(name, str):
        raise broken(where, "the record is not what khabar writes (no 'name' string)")
    return doc_id, name


def parse_line(line: str, where: str) -> dict[str, Any]:
    """The JSON object on a stored line; anything else is named as broken."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as err:
        cut = " (the line is cut short)" if err.pos >= len(line.rstrip()) else ""
        raise broken(where, f"not valid JSON: {err.msg} at column {err.colno}{cut}") from None
    if not isinstance(record, dict):
        raise broken(where, f"a {type(record).__name__} where a JSON object was expected")
    return record


def raw_lines(path: Path) -> Iterator[tuple[str, str]]:
    """(``file:line``, line) of a stored file's non-blank lines, each checked to be UTF-8."""
    source = current(path)
    if source is None or not source.exists():
        return
    name = shown(path)
    with source.open("rb") as lines:
        for number, raw in enumerate(lines, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise _not_utf8(f"{name}:{number}", err) from None
            if line.strip():
                yield f"{name}:{number}", line


def read_lines(path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(``file:line``, record) of a stored file, each a JSON object."""
    for where, line in raw_lines(path):
        yield where, parse_line(line, where)


def keyed(path: Path, key: Callable[[dict[str, Any]], Any]) -> dict[Any, tuple[str, dict[str, Any]]]:
    """The records of a stored file by ``key``, with where each is; a key found twice is
    named with both lines."""
    records: dict[Any, tuple[str, dict[str, Any]]] = {}
    for where, record in read_lines(path):
        try:
            found = key(record)
        except (KeyError, TypeError):
            raise broken(where, "the record is not what khabar writes (a field is missing)") from None
        if found in records:
            raise stored_twice(where, found, records[found][0])
        records[found] = (where, record)
    return records


def _not_utf8(where: str, err: UnicodeDecodeError) -> CorruptStoreError:
    return broken(where, f"not UTF-8 at byte {err.start} of the line (a character cut in two?)")


def stored_twice(where: str, key: Any, first: str) -> CorruptStoreError:
    """The error for a document or layer stored a second time at ``where``."""
    what = f"layer {key[1]!r} of document {key[0]!r}" if isinstance(key, tuple) else f"document {key!r}"
    return broken(where, f"{what} stored twice (first at line {first.rsplit(':', 1)[1]})")


def loaded(where: str, make: Callable[[dict[str, Any]], T], record: dict[str, Any]) -> T:
    """``make(record)``, a record that lacks a field or has one of the wrong type named."""
    try:
        return make(record)
    except (KeyError, TypeError, ValueError) as err:
        raise broken(where, f"the record is not what khabar writes ({type(err).__name__}: {err})") from None


def check_line(raw: bytes, where: str, kind: str) -> Any:
    """The key of one stored line (a document's id; a layer's document id and name), or a
    :class:`CorruptStoreError` saying what is wrong with it. ``kind`` is ``document``,
    ``layer`` or ``history``."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise _not_utf8(where, err) from None
    record = parse_line(line, where)
    if kind == "document":
        loaded(where, document_from_record, record)
        return document_key(record)
    loaded(where, layer_from_record, record)
    return layer_key(record) if kind == "layer" else line
