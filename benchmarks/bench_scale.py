"""Ingest, pre-annotation and release of 1k, 10k and 100k generated articles (about 3 KB each:
100k is about 300 MB of text), with 1 and 2 worker processes.

    nox -s benchmarks -- scale                 # 1000 10000 100000
    python bench_scale.py 1000 10000           # any sizes
    python bench_scale.py 100000 --stages=release

Targets (issue 9): from 1 to 2 workers, pre-annotation and release speed up 1.7x or
more; peak memory per worker under 1 GB; the cost per document flat from 1k to 100k.
Each measurement runs in a process of its own, so its peak memory is its own. With
workers, the command's own processor time per article is the part that does not spread
out (reading results, writing shards and release files): docs/scale.md's estimate for
10M articles on N workers adds it to the per-worker cost divided by N.
"""

from __future__ import annotations

import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_preannotate import LETTERS
from common import SEED, build, paragraphs, peak_rss_mb, result, table

from khabar.annotate.drafting import preannotate_corpus
from khabar.corpus import project
from khabar.formats.ingest import ingest_paths
from khabar.release.cut import release_corpus
from khabar.runtime.executor import Engine


def articles(n: int, path: Path, seed: int = 11) -> int:
    """``n`` articles of about 3 KB: seed sentences with one made-up word in ten, so no two
    are alike and the vocabulary stays open as in real news. Returns the bytes of text."""
    rng = random.Random(seed)
    lines = [p["text"] for p in paragraphs(SEED) if p["text"].strip()]
    size = 0
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            words = " ".join(rng.choice(lines) for _ in range(8)).split(" ")
            for _ in range(len(words) // 10):
                made_up = "".join(rng.choice(LETTERS) for _ in range(rng.randint(3, 8)))
                words.insert(rng.randrange(len(words)), made_up)
            text = " ".join(words) + f" ({i})"
            size += len(text.encode())
            out.write(json.dumps({"id": f"art-{i:07d}", "text": text}, ensure_ascii=False) + "\n")
    return size


def one(stage: str, root: Path, workers: int) -> dict[str, float]:
    """One measurement, in this (fresh) process."""
    made = project.load(root)
    engine = Engine(workers=workers)
    before = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = before.ru_utime + before.ru_stime
    start = time.perf_counter()
    if stage == "ingest":
        ingest_paths(made, [root.parent / "articles.jsonl"], engine=engine)
    elif stage == "preannotate":
        preannotate_corpus(made, engine=engine)
    else:
        release_corpus(made, "1.0.0", allow_unreviewed=True, allow_dirty=True, engine=engine)
    seconds = time.perf_counter() - start
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    # the command's own processor time: with workers, the part that does not spread out
    cpu = own.ru_utime + own.ru_stime - cpu_before
    return {"seconds": seconds, "driver_mb": peak_rss_mb(), "worker_mb": children, "driver_cpu": cpu}


def measure(stage: str, root: Path, workers: int) -> dict[str, float]:
    # start from nothing done: no documents, drafts or cached units, no release
    if stage == "ingest":
        for folder in ("corpus", "annotations"):
            shutil.rmtree(root / folder, ignore_errors=True)
            (root / folder).mkdir()
    if stage == "preannotate":
        shutil.rmtree(root / "annotations" / "drafts", ignore_errors=True)
    shutil.rmtree(root / ".khabar", ignore_errors=True)
    shutil.rmtree(root / "build", ignore_errors=True)
    if stage == "release":
        project.load(root).cache().close()
    done = subprocess.run(
        [sys.executable, __file__, "--one", stage, str(root), str(workers)],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(sizes: list[int], stages: list[str]) -> None:
    rows: list[tuple[str, ...]] = [
        (
            "articles",
            "MB",
            "stage",
            "workers",
            "seconds",
            "ms/article",
            "speed-up",
            "command CPU ms/article",
            "command MB",
            "worker MB",
        )
    ]
    seconds: dict[str, list[float]] = {}  # per stage, with 1 and 2 workers: the last size's
    peak = 0.0
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            made = project.init(Path(tmp) / "p")
            source = Path(tmp) / "articles.jsonl"
            megabytes = articles(n, source) / 1e6
            if "ingest" not in stages:  # what the measured stages start from
                ingest_paths(made, [source])
            if "release" in stages and "preannotate" not in stages:
                preannotate_corpus(made, engine=Engine(workers=2))
            for stage in stages:  # (in this order: the release uses the last drafts)
                single = None
                seconds[stage] = []
                for workers in (1, 2):
                    m = measure(stage, made.root, workers)
                    single = single or m["seconds"]
                    seconds[stage].append(m["seconds"])
                    peak = max(peak, m["driver_mb"], m["worker_mb"])
                    rows.append(
                        (
                            str(n),
                            f"{megabytes:.0f}",
                            stage,
                            str(workers),
                            f"{m['seconds']:.1f}",
                            f"{1000 * m['seconds'] / n:.2f}",
                            f"{single / m['seconds']:.2f}x",
                            f"{1000 * m['driver_cpu'] / n:.2f}" if workers > 1 else "-",
                            f"{m['driver_mb']:.0f}",
                            f"{m['worker_mb']:.0f}" if workers > 1 else "-",
                        )
                    )
                    print(table(rows[:1] + rows[-1:]), flush=True)
    print(f"\nScaling from 1 to 2 workers (this machine: 2 cores), khabar {build()}")
    print(table(rows))
    stages_line = ", ".join(
        f"{stage} {one:.1f} / {two:.1f} s ({one / two:.2f}x)" for stage, (one, two) in seconds.items()
    )
    result(f"{sizes[-1]} articles, 1 / 2 workers: {stages_line}", peak)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(one(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]))))
    else:
        chosen = [a.removeprefix("--stages=").split(",") for a in sys.argv[1:] if a.startswith("--stages=")]
        sizes = [int(a) for a in sys.argv[1:] if not a.startswith("--")]
        main(sizes or [1000, 10_000, 100_000], chosen[0] if chosen else ["ingest", "preannotate", "release"])
