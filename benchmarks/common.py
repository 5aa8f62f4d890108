"""Helpers shared by the benchmarks: corpora made from the seed article (as the tests make
them, from tests/helpers.py, which needs no pytest), timing, memory and the one result line
every benchmark prints."""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the corpora the tests make (tests/helpers.py needs no pytest)

from tests.helpers import generated as generated  # noqa: E402 (re-exported)
from tests.helpers import paragraphs as paragraphs  # noqa: E402

SEED = json.loads((ROOT / "sources" / "seed-0001.json").read_text(encoding="utf-8"))


#: every benchmark prints one line that starts so: its headline figures and peak memory
#: (tests/test_benchmarks.py checks it is there)
RESULT = "result:"

Record = dict[str, Any]


def generated_records(n: int, *, lines_per_doc: int = 3) -> Iterator[Record]:
    """``n`` distinct documents of real seed sentences (with their gold spans), each
    ending in a line of its own number so no two texts are equal."""
    lines = paragraphs(SEED)
    for i in range(n):
        chosen = [lines[(i * 7 + k * 3) % len(lines)] for k in range(lines_per_doc)]
        text_parts, entities, events, offset = [], [], [], 0
        for line in chosen:
            text_parts.append(line["text"])
            entities += [
                {**e, "start": e["start"] + offset, "end": e["end"] + offset} for e in line["entities"]
            ]
            events += [
                {
                    **ev,
                    "trigger": {
                        **ev["trigger"],
                        "start": ev["trigger"]["start"] + offset,
                        "end": ev["trigger"]["end"] + offset,
                    },
                    "arguments": [
                        {**a, "start": a["start"] + offset, "end": a["end"] + offset} for a in ev["arguments"]
                    ],
                }
                for ev in line["events"]
            ]
            offset += len(line["text"]) + 1
        text_parts.append(f"رقم {i}")
        yield {"id": f"bench-{i:07d}", "text": "\n".join(text_parts), "entities": entities, "events": events}


def build() -> str:
    """Which build of khabar runs: the mypyc-compiled one (pyproject.toml) or pure Python."""
    import khabar.annotate.entities

    return "pure Python" if khabar.annotate.entities.__file__.endswith(".py") else "compiled with mypyc"


@contextmanager
def timed(results: dict[str, float], name: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    results[name] = time.perf_counter() - start


def peak_rss_mb() -> float:
    """Peak resident memory of this process, since the last :func:`reset_peak_rss` on Linux."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kib = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:"))
    return kib / 1024


def reset_peak_rss() -> None:
    """Start measuring peak memory again from now (Linux; elsewhere the peak stays the process's)."""
    with suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


def result(headline: str, peak_mb: float) -> None:
    """Print the benchmark's result line: its headline figures, then its peak memory in MB."""
    print(f"{RESULT} {headline}; peak memory {peak_mb:.0f} MB", flush=True)
