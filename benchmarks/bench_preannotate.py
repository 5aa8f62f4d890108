"""Pre-annotation throughput (MB/s of Arabic text, documents/s) and peak memory.

    nox -s benchmarks -- preannotate [MB]

Target (issue 4): at least 2 MB/s per core end to end, memory flat in corpus size.
The corpus: seed sentences with their real names, shuffled, plus made-up words so the
vocabulary stays open as in real news (caches cannot just replay one article).
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from common import peak_rss_mb, seed_paragraphs, table

from khabar import project
from khabar.model import Document
from khabar.preannotate import Annotator, run
from khabar.workflow import ingest_paths, preannotate_corpus

LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"


def documents(megabytes: float, seed: int = 7) -> Iterator[Document]:
    rng = random.Random(seed)
    lines = [p["text"] for p in seed_paragraphs()]
    size = i = 0
    while size < megabytes * 1e6:
        words = " ".join(rng.choice(lines) for _ in range(4)).split(" ")
        for _ in range(40):
            made_up = "".join(rng.choice(LETTERS) for _ in range(rng.randint(3, 8)))
            words.insert(rng.randrange(len(words)), made_up)
        text = " ".join(words) + f" {i}"
        size += len(text.encode())
        i += 1
        yield Document(f"bench-{i:07d}", text)


def in_memory(annotator: Annotator, megabytes: float) -> tuple[float, int, float]:
    size = n = 0
    start = time.perf_counter()
    for doc in documents(megabytes):
        run(doc, annotator)
        size += len(doc.text.encode())
        n += 1
    return size / 1e6, n, time.perf_counter() - start


def end_to_end(megabytes: float) -> tuple[float, int, float]:
    with tempfile.TemporaryDirectory() as tmp:
        made = project.init(Path(tmp) / "p")
        source = Path(tmp) / "in.jsonl"
        size = n = 0
        with source.open("w", encoding="utf-8") as out:
            for doc in documents(megabytes, seed=11):
                out.write(json.dumps({"id": doc.id, "text": doc.text}, ensure_ascii=False) + "\n")
                size += len(doc.text.encode())
                n += 1
        ingest_paths(made, [source])
        start = time.perf_counter()
        preannotate_corpus(made)
        return size / 1e6, n, time.perf_counter() - start


def main(megabytes: float) -> None:
    annotator = Annotator.load()
    rows = [("run", "MB", "documents", "seconds", "MB/s", "documents/s", "peak RSS MB")]
    for label, mb in (("pre-annotate, in memory", megabytes / 4), ("pre-annotate, in memory", megabytes)):
        size, n, seconds = in_memory(annotator, mb)
        rows.append(
            (
                label,
                f"{size:.1f}",
                str(n),
                f"{seconds:.1f}",
                f"{size / seconds:.2f}",
                f"{n / seconds:.0f}",
                f"{peak_rss_mb():.0f}",
            )
        )
    size, n, seconds = end_to_end(megabytes)
    rows.append(
        (
            "preannotate_corpus: store in, layers out",
            f"{size:.1f}",
            str(n),
            f"{seconds:.1f}",
            f"{size / seconds:.2f}",
            f"{n / seconds:.0f}",
            f"{peak_rss_mb():.0f}",
        )
    )
    print("\nPre-annotation on one core (target: >= 2 MB/s end to end; memory must not grow with size)")
    print(table(rows))


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 20)
