"""What tests share besides fixtures: the seed article and documents made from it,
projects' input files, the official UD validator, Label Studio regions, and the counts of
what the robustness tests tried (printed at the end of a run by conftest.py)."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "sources" / "seed-0001.json"

Record = dict[str, Any]


def paragraphs(record: Record) -> list[Record]:
    """The seed article as one document per line, spans and events moved with their line."""
    out = []
    start = 0
    for number, line in enumerate(record["text"].split("\n"), start=1):
        end = start + len(line)

        def inside(item: Record, start: int = start, end: int = end) -> bool:
            return bool(start <= item["start"] and item["end"] <= end)

        def moved(item: Record, start: int = start) -> Record:
            return {**item, "start": item["start"] - start, "end": item["end"] - start}

        out.append(
            {
                "id": f"{record['id']}-p{number:02d}",
                "text": line,
                "entities": [moved(e) for e in record["entities"] if inside(e)],
                "events": [
                    {**ev, "trigger": moved(ev["trigger"]), "arguments": [moved(a) for a in ev["arguments"]]}
                    for ev in record["events"]
                    if inside(ev["trigger"])
                ],
            }
        )
        start = end + 1
    return out


def articles(count: int, gold_every: int = 3) -> list[Record]:
    """``count`` distinct articles made from the seed's paragraphs (each ends in its own
    number), every ``gold_every``-th with its gold spans."""
    base = [p for p in paragraphs(json.loads(SEED.read_text(encoding="utf-8"))) if p["text"].strip()]
    out = []
    for n in range(count):
        record = base[n % len(base)]
        text = f"{record['text']} ({n})"
        gold = n % gold_every == 0
        out.append(
            {**record, "id": f"art-{n:05d}", "text": text} if gold else {"id": f"art-{n:05d}", "text": text}
        )
    return out


UDVALIDATE = Path(sys.executable).parent / "udvalidate"


def udvalidate(*paths: Path | str) -> subprocess.CompletedProcess[str]:
    """The official UD validator on CoNLL-U files (level 2; the corpus has no syntax trees,
    so the head tests are left out)."""
    return subprocess.run(
        [
            str(UDVALIDATE),
            "--lang",
            "ar",
            "--level",
            "2",
            "--exclude",
            "invalid-head",
            "unknown-head",
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
    )


def entity_region(text: str, start: int, end: int, label: str, rid: str = "r1") -> dict[str, Any]:
    """A Label Studio result region labelling text[start:end]."""
    return {
        "id": rid,
        "from_name": "entity",
        "to_name": "text",
        "type": "labels",
        "value": {"start": start, "end": end, "text": text[start:end], "labels": [label]},
    }


def write_jsonl(path: Path, records: list[Record]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


ROBUSTNESS: Counter[str] = Counter()


# sentences with made-up person names the shipped lists do not hold: what a model must learn
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
    ("قال وزير الخارجية {a} إن {g} ترفض التصعيد.", ("PER", "GPE")),
    ("التقى الرئيس {a} في {g} أمس.", ("PER", "GPE", "DATE")),
    ("وأعلن المتحدث {a} أن {g} ستدعم الاتفاق.", ("PER", "GPE")),
    ("وصل رئيس الوزراء {a} إلى {g}.", ("PER", "GPE")),
]


def generated(n: int, seed: int = 3) -> list[dict[str, Any]]:
    """Sentences with made-up person names the lists do not hold, one word after a title:
    the rules leave them out (one word after a title is as often a verb), the model can learn
    them from the titles before them."""
    rng = random.Random(seed)
    records = []
    for i in range(n):
        lines, entities, offset = [], [], 0
        for _ in range(3):
            template, _ = rng.choice(TEMPLATES)
            a = rng.choice(NAMES)
            g = rng.choice(["روسيا", "فرنسا", "مصر", "اليابان", "كندا", "تركيا"])
            line = template.format(a=a, g=g)
            person = line.index(a)
            entities.append(
                {"start": offset + person, "end": offset + person + len(a), "label": "PER", "text": a}
            )
            place = line.index(g, person + len(a))
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
