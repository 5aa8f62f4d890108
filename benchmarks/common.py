"""Helpers shared by the benchmarks: corpora made from the seed article, timing, memory and
the one result line every benchmark prints. Nothing here needs pytest or the tests folder."""

from __future__ import annotations

import json
import random
import resource
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEED = json.loads((ROOT / "sources" / "seed-0001.json").read_text(encoding="utf-8"))


#: every benchmark prints one line that starts so: its headline figures and peak memory
#: (tests/test_benchmarks.py checks it is there)
RESULT = "result:"

Record = dict[str, Any]


def seed_paragraphs() -> list[Record]:
    """The seed article as one record per line, spans and events moved with their line: the
    unit generated corpora repeat (the same split as tests/conftest.py's ``paragraphs``)."""
    out = []
    start = 0
    for number, line in enumerate(SEED["text"].split("\n"), start=1):
        end = start + len(line)

        def inside(item: Record, start: int = start, end: int = end) -> bool:
            return bool(start <= item["start"] and item["end"] <= end)

        def moved(item: Record, start: int = start) -> Record:
            return {**item, "start": item["start"] - start, "end": item["end"] - start}

        out.append(
            {
                "id": f"{SEED['id']}-p{number:02d}",
                "text": line,
                "entities": [moved(e) for e in SEED["entities"] if inside(e)],
                "events": [
                    {**ev, "trigger": moved(ev["trigger"]), "arguments": [moved(a) for a in ev["arguments"]]}
                    for ev in SEED["events"]
                    if inside(ev["trigger"])
                ],
            }
        )
        start = end + 1
    return out


# sentences with made-up person names the shipped lists do not hold (as tests/test_learning.py's)
NAMES = [
    "زيدان",
    "كرمون",
    "بلاتو",
    "سرمادي",
    "نوفيك",
    "تالمان",
    "دورسي",
    "كاليني",
    "مورادو",
    "فيستر",
    "حنبلي",
    "رستاني",
    "قيدار",
    "ميلانو",
    "شوراني",
    "بتراكي",
]
TEMPLATES = [
    "قال وزير الخارجية {a} {b} إن {g} ترفض التصعيد.",
    "التقى الرئيس {a} {b} في {g} أمس.",
    "وأعلن المتحدث {a} {b} أن {g} ستدعم الاتفاق.",
    "وصل رئيس الوزراء {a} {b} إلى {g}.",
]
COUNTRIES = ["روسيا", "فرنسا", "مصر", "اليابان", "كندا", "تركيا"]


def name_sentences(n: int, seed: int = 3) -> list[Record]:
    """``n`` documents of three sentences with made-up person names (PER), countries (GPE) and
    أمس (DATE): the rules miss the names, a model learns them from the titles before them.
    The same records as tests/test_learning.py's ``generated`` for the same ``n`` and seed."""
    rng = random.Random(seed)
    records = []
    for i in range(n):
        lines, entities, offset = [], [], 0
        for _ in range(3):
            template = rng.choice(TEMPLATES)
            a, b = rng.sample(NAMES, 2)
            g = rng.choice(COUNTRIES)
            line = template.format(a=a, b=b, g=g)
            person = line.index(f"{a} {b}")
            entities.append(
                {
                    "start": offset + person,
                    "end": offset + person + len(a) + 1 + len(b),
                    "label": "PER",
                    "text": f"{a} {b}",
                }
            )
            place = line.index(g, person + len(a) + len(b))
            entities.append(
                {"start": offset + place, "end": offset + place + len(g), "label": "GPE", "text": g}
            )
            if "أمس" in line:
                at = line.index("أمس")
                entities.append(
                    {"start": offset + at, "end": offset + at + 3, "label": "DATE", "text": "أمس"}
                )
            lines.append(line)
            offset += len(line) + 1
        records.append({"id": f"gen-{i:04d}", "text": "\n".join(lines), "entities": entities, "events": []})
    return records


def generated_records(n: int, *, lines_per_doc: int = 3) -> Iterator[Record]:
    """``n`` distinct documents of real seed sentences (with their gold spans), each
    ending in a line of its own number so no two texts are equal."""
    lines = seed_paragraphs()
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
