"""Reading Label Studio's export (one JSON array) a task at a time."""

from __future__ import annotations

import io
import json
import tracemalloc
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from khabar.studio.json_stream import array_items, spilled_items

TASKS = [
    {"id": k, "data": {"text": "خبر " * k, "doc_id": f"d{k}"}, "annotations": [{"result": []}]}
    for k in range(50)
]


@pytest.mark.parametrize("chunk", [1, 2, 7, 64, 1 << 20])
def test_every_item_comes_back_whatever_the_chunk_size(chunk: int) -> None:
    text = json.dumps(TASKS, ensure_ascii=False, indent=1)
    assert list(array_items(io.StringIO(text), chunk=chunk)) == TASKS


@given(
    st.lists(st.dictionaries(st.text(max_size=5), st.one_of(st.integers(), st.text(max_size=8)), max_size=4))
)
def test_any_array_of_objects_reads_back(items: list[dict[str, object]]) -> None:
    text = json.dumps(items, ensure_ascii=False)
    assert list(array_items(io.StringIO(text), chunk=3)) == items


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"id": 1}', "expected a JSON array"),
        ('[{"id": 1}, {"id": 2', "cut off inside an item"),
        ('[{"id": 1}', "no closing ]"),
        ("", "no closing ]"),
    ],
)
def test_a_cut_or_wrong_export_is_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        list(array_items(io.StringIO(text), chunk=4))


@pytest.mark.parametrize("text", ["[]", " \n[ \n] \n"])
def test_an_empty_export_has_no_items(text: str) -> None:
    assert list(array_items(io.StringIO(text), chunk=1)) == []


def test_a_spilled_export_reads_back_whatever_its_bytes_were_cut_into() -> None:
    # the server's chunks may end inside a multi-byte letter; the spill joins them again
    raw = json.dumps(TASKS, ensure_ascii=False).encode("utf-8")
    pieces = [raw[i : i + 3] for i in range(0, len(raw), 3)]
    assert any(len(piece.decode("utf-8", errors="ignore").encode("utf-8")) < len(piece) for piece in pieces)
    assert list(spilled_items(lambda spill: spill.writelines(pieces))) == TASKS


def export_chunks(tasks: int) -> Iterator[bytes]:
    """A project's export as the server streams it, made as it is read: ~1 KB a task."""
    yield b"["
    for k in range(tasks):
        item = {"id": k, "data": {"text": "خبر عاجل " * 50, "doc_id": f"d{k}"}, "annotations": []}
        yield (b"," if k else b"") + json.dumps(item, ensure_ascii=False).encode("utf-8")
    yield b"]"


def peak_reading(tasks: int) -> int:
    """Peak bytes Python allocated while the export of ``tasks`` tasks was spilled and read."""
    tracemalloc.start()
    try:
        count = sum(1 for _ in spilled_items(lambda spill: spill.writelines(export_chunks(tasks))))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == tasks
    return peak


def test_memory_reading_an_export_does_not_grow_with_its_tasks() -> None:
    # a team's project of 100k tasks is read in the memory of a few: 13 MB of export and 38 MB
    # peak at the same height (a chunk of the file and the task being read), below either size
    small, large = peak_reading(16_000), peak_reading(48_000)
    assert large < 1.1 * small + 200_000
    assert large < 48_000 * 800 / 2
