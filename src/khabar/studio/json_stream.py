"""The items of a JSON array read from a file a piece at a time.

Label Studio exports a project's tasks as one JSON array; a team's project of 100k tasks
must not be held in memory at once, so the export is spilled to disk and read back here,
one task at a time.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, TextIO

CHUNK = 1 << 20  # characters read at a time
BLANK = " \t\r\n"


def array_items(stream: TextIO, chunk: int = CHUNK) -> Iterator[Any]:
    """Each item of the JSON array in ``stream``; memory holds one item and one chunk.
    A ValueError says where the text is not an array or is cut off."""
    decoder = json.JSONDecoder()
    buffer, pos, started = "", 0, False
    while True:
        while pos < len(buffer) and buffer[pos] in BLANK:
            pos += 1
        if pos == len(buffer):
            buffer, pos = stream.read(chunk), 0
            if not buffer:
                raise ValueError("the JSON array is cut off: no closing ]")
            continue
        mark = buffer[pos]
        if not started:
            if mark != "[":
                raise ValueError(f"expected a JSON array, found {buffer[pos : pos + 20]!r}")
            started, pos = True, pos + 1
        elif mark == "]":
            return
        elif mark == ",":
            pos += 1
        else:
            while True:
                try:
                    item, pos = decoder.raw_decode(buffer, pos)
                    break
                except json.JSONDecodeError as err:
                    more = stream.read(chunk)
                    if not more:
                        raise ValueError(f"the JSON array is cut off inside an item: {err}") from None
                    buffer, pos = buffer[pos:] + more, 0
            yield item


def spilled_items(write: Callable[[BinaryIO], object]) -> Iterator[Any]:
    """The items of the JSON array that ``write`` puts into a temporary file (UTF-8)."""
    with tempfile.TemporaryFile() as spill:
        write(spill)
        spill.seek(0)
        yield from array_items(io.TextIOWrapper(spill, encoding="utf-8"))
