"""The store at a million documents: ingest N generated articles (about 3.8 KB each, so
1M is about 3.8 GB of text), read single documents at random, then change one article
and count what a git diff of the change would show.

    nox -s benchmarks -- store          # 100000 1000000
    python bench_store.py 100000        # any sizes

Issue 9: no file per document; reading one document stays fast; the diff of a change
stays small. Each size runs in a process of its own, so its peak memory is its own.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_scale import articles
from common import peak_rss_mb, result, table

from khabar.corpus import project
from khabar.corpus.store import shard_of
from khabar.formats.ingest import ingest_paths

READS = 200


def changed_lines(before: list[str], after: list[str]) -> int:
    """Lines a diff of the two would mark (+ or -), for files sorted the same way."""
    return len(set(before) ^ set(after))


def one(n: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        made = project.init(Path(tmp) / "p")
        source = Path(tmp) / "articles.jsonl"
        megabytes = articles(n, source) / 1e6
        start = time.perf_counter()
        ingest_paths(made, [source])
        ingest_seconds = time.perf_counter() - start
        source.unlink()
        shards = sorted(made.corpus_dir.iterdir())
        largest = max(p.stat().st_size for p in shards) / 1e6

        store = made.store()
        rng = random.Random(3)
        wanted = [f"art-{rng.randrange(n):07d}" for _ in range(READS)]
        start = time.perf_counter()
        found = [store.document(doc_id) for doc_id in wanted]
        read_ms = 1000 * (time.perf_counter() - start) / READS
        assert all(doc is not None for doc in found)

        # one article changed: what moves on disk, and how many lines a diff shows
        doc_id = wanted[0]
        stamps = {p: p.stat().st_mtime_ns for p in shards}
        shard = made.corpus_dir / f"{shard_of(doc_id)}.jsonl"
        before = shard.read_text(encoding="utf-8").splitlines()
        change = Path(tmp) / "change.jsonl"
        change.write_text(json.dumps({"id": doc_id, "text": "خبر معدل عن لبنان."}, ensure_ascii=False) + "\n")
        start = time.perf_counter()
        report = ingest_paths(made, [change], replace=True)
        change_seconds = time.perf_counter() - start
        assert report.replaced == [doc_id], report.problems
        touched = [p for p in shards if p.stat().st_mtime_ns != stamps[p]]
        diff = changed_lines(before, shard.read_text(encoding="utf-8").splitlines())
        return {
            "megabytes": megabytes,
            "files": len(shards),
            "largest_mb": largest,
            "ingest_s": ingest_seconds,
            "read_ms": read_ms,
            "change_s": change_seconds,
            "touched": len(touched),
            "diff_lines": diff,
            "peak_mb": peak_rss_mb(),
        }


def main(sizes: list[int]) -> None:
    rows: list[tuple[str, ...]] = [
        (
            "documents",
            "MB",
            "files",
            "largest file MB",
            "ingest s",
            "read one ms",
            "change one s",
            "files changed",
            "diff lines",
            "peak MB",
        )
    ]
    for n in sizes:
        done = subprocess.run(
            [sys.executable, __file__, "--one", str(n)], stdout=subprocess.PIPE, text=True, check=True
        )
        m = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append(
            (
                str(n),
                f"{m['megabytes']:.0f}",
                str(m["files"]),
                f"{m['largest_mb']:.1f}",
                f"{m['ingest_s']:.1f}",
                f"{m['read_ms']:.1f}",
                f"{m['change_s']:.1f}",
                str(m["touched"]),
                str(m["diff_lines"]),
                f"{m['peak_mb']:.0f}",
            )
        )
        print(table(rows[:1] + rows[-1:]), flush=True)
    print(f"\nThe store: {os.cpu_count()} cores; reads are the mean of {READS} random documents")
    print(table(rows))
    result(
        f"{n} documents: ingest {m['ingest_s']:.1f} s, read one {m['read_ms']:.1f} ms, "
        f"change one {m['change_s']:.1f} s ({m['touched']} file, {m['diff_lines']} diff lines)",
        max(float(r[-1]) for r in rows[1:]),
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(one(int(sys.argv[2]))))
    else:
        main([int(a) for a in sys.argv[1:]] or [100_000, 1_000_000])
