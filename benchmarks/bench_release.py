"""Validating and releasing a corpus of 10,000 articles (about 5M characters), then
re-releasing after one document changed.

    nox -s benchmarks -- release [N]

Targets (issue 5): validate + release under 60 s with peak memory under 1 GB;
a re-release after one change reuses the work already done and takes under 10 s.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path

from common import generated_records, peak_rss_mb, result, table

from khabar.corpus import project
from khabar.formats.ingest import ingest_paths
from khabar.quality.results import validate_corpus
from khabar.release.cut import release_corpus


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        made = project.init(Path(tmp) / "corpus")
        source = Path(tmp) / "gold.jsonl"
        records = list(generated_records(n, lines_per_doc=2))
        source.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
        )
        chars = sum(len(r["text"]) for r in records)
        ingest_paths(made, [source])
        rows: list[tuple[str, ...]] = [("step", "documents", "seconds", "peak RSS MB")]
        start = time.perf_counter()
        release_corpus(made, "1.0.0", allow_dirty=True)
        first = time.perf_counter() - start
        rows.append(
            ("release 1.0.0, nothing cached (validates too)", str(n), f"{first:.1f}", f"{peak_rss_mb():.0f}")
        )
        start = time.perf_counter()
        report = validate_corpus(made)
        validate = time.perf_counter() - start
        rows.append(
            (
                "validate again, nothing changed",
                str(report.documents),
                f"{validate:.1f}",
                f"{peak_rss_mb():.0f}",
            )
        )
        assert report.ok, report.errors[:3]
        # one document changes: its gold layer loses an entity
        store = made.store()
        doc = next(store.documents())
        gold = next(x for x in store.layers(doc.id) if x.kind == "gold")
        store.put_layers([dataclasses.replace(gold, entities=gold.entities[1:])])
        start = time.perf_counter()
        release_corpus(made, "1.0.1", allow_dirty=True)
        again = time.perf_counter() - start
        rows.append(("release 1.0.1 after one change", str(n), f"{again:.1f}", f"{peak_rss_mb():.0f}"))
        print(
            f"\nValidate and release {n} documents ({chars / 1e6:.1f}M characters); targets: first release "
            "< 60 s, peak < 1 GB, re-release after one change < 10 s"
        )
        print(table(rows))
        result(
            f"release of {n} documents {first:.1f} s, validate again {validate:.1f} s, "
            f"re-release after one change {again:.1f} s",
            peak_rss_mb(),
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
