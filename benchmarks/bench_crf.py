"""Training the CRF and pre-annotating with it.

    nox -s benchmarks -- crf                          # a generated corpus of about 125k tokens
    python bench_crf.py TRAIN.conll TEST.conll        # any IOB corpus, e.g. ANERcorp's split

Targets (issue 7): training on 125k tokens under 2 minutes on one core; pre-annotation
with the model at 1 MB/s or more per core; on a public Arabic news NER corpus, entity F1
near published CRF results (0.75-0.80) and clearly above the rules alone.
"""

from __future__ import annotations

import dataclasses
import sys
import tempfile
import time
from pathlib import Path

from bench_preannotate import documents
from common import build, peak_rss_mb, table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from khabar import crf, learning, preannotate, project
from khabar.engine import long_lived
from khabar.ingest import ConllOptions
from khabar.workflow import ingest_paths, load_annotator
from test_learning import generated


def main(args: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        made = project.init(Path(tmp) / "p")
        if len(args) == 2:
            ingest_paths(made, [Path(args[0])], conll=ConllOptions())
            train_ids = {d.id for d in made.store().documents()}
            test_project = project.init(Path(tmp) / "t")
            ingest_paths(test_project, [Path(args[1])], conll=ConllOptions())
            source = f"{args[0]} / {args[1]}"
        else:
            import json

            data = Path(tmp) / "gen.jsonl"
            records = generated(5400)
            data.write_text(
                "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
            )
            ingest_paths(made, [data])
            test_project = made
            train_ids = {r["id"] for r in records[:5000]}
            source = "generated sentences with made-up names (tests/test_learning.py)"
        annotator = load_annotator(made)
        pairs = [p for p in learning.human_pairs(made) if p[0].id in train_ids]
        tokens_n = sum(
            len(s.spans) for doc, _ in pairs for s in crf.Featurizer(annotator.entities).sentences(doc)
        )
        start = time.perf_counter()
        model = crf.train(pairs, crf.Featurizer(annotator.entities), Path(tmp) / "model")
        train_seconds = time.perf_counter() - start
        test = [p for p in learning.human_pairs(test_project) if p[0].id not in train_ids]
        # an existing corpus annotates a few labels (ANERcorp: PER, GPE, ORG once mapped): the
        # dates and nationalities the rules also find are not its to score
        labels = {s.label for _, layer in pairs for s in layer.entities} if len(args) == 2 else None
        ignore_proclitics = len(args) == 2
        scored = learning.held_out(
            annotator, [(model, test)], ignore_proclitics=ignore_proclitics, labels=labels
        )
        scores = learning.evaluations(scored, ignore_proclitics=ignore_proclitics, labels=labels)
        # pre-annotating, the model decides by its measured precision, as one `khabar train` saves
        evaluation = learning.source_precision(scores)
        combined = annotator.with_model(
            dataclasses.replace(model, meta={**model.meta, "evaluation": evaluation})
        )
        # throughput on news-sized documents: the pre-annotation benchmark's 5 MB
        news = list(documents(5))
        size = sum(len(doc.text.encode()) for doc in news)
        start = time.perf_counter()
        with long_lived():
            for doc in news:
                preannotate.run(doc, combined)
        tag_seconds = time.perf_counter() - start
        rows: list[tuple[str, ...]] = [("measure", "value")]
        rows += [
            ("training tokens", str(tokens_n)),
            ("training seconds (one core)", f"{train_seconds:.1f}"),
            (
                "pre-annotation with the model, MB/s (5 MB of news-sized documents)",
                f"{size / 1e6 / tag_seconds:.2f}",
            ),
            ("peak RSS MB", f"{peak_rss_mb():.0f}"),
        ]
        rows += [
            (f"entity F1 on {len(test)} held-out documents: {name}", f"{r.exact['overall'].f1:.3f}")
            for name, r in scores.items()
        ]
        scoring = f", scoring {', '.join(sorted(labels))}" if labels else ""
        print(f"\nCRF on {source}{scoring}, khabar {build()}")
        print(table(rows))


if __name__ == "__main__":
    main(sys.argv[1:])
