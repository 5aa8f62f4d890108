"""Training the CRF and pre-annotating with it.

    nox -s benchmarks -- crf                          # a generated corpus of about 125k tokens
    python bench_crf.py [DOCUMENTS [MB]]              # generated: 5400 documents, 400 held out;
                                                      # tagging speed on MB of news (default 5)
    python bench_crf.py TRAIN.conll TEST.conll [MB]   # any IOB corpus, e.g. ANERcorp's split

Targets (issue 7): training on 125k tokens under 2 minutes on one core; pre-annotation
with the model at 1 MB/s or more per core; on a public Arabic news NER corpus, entity F1
near published CRF results (0.75-0.80) and clearly above the rules alone. Issue 21: the
model's tagging within 20 % of its speed when that issue was filed (docs/learning.md has
the figures); the rules are timed alone on the same news, so the model's own part shows.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path

from bench_preannotate import documents
from common import build, generated, peak_rss_mb, result, table

from khabar.annotate import crf, crf_features, preannotate
from khabar.annotate.drafting import load_annotator
from khabar.corpus import project
from khabar.formats.ingest import ingest_paths
from khabar.formats.readers import ConllOptions
from khabar.learning import training as learning
from khabar.runtime.executor import long_lived

DOCUMENTS = 5400  # 5000 to train on, 400 held out: about 125k training tokens
MEGABYTES = 5.0  # of news-sized documents tagged with the model: the pre-annotation benchmark's


def main(args: list[str]) -> None:
    files = [a for a in args if not a.replace(".", "", 1).isdigit()]
    numbers = [a for a in args if a not in files]
    if len(files) not in (0, 2):
        sys.exit("usage: bench_crf.py [DOCUMENTS [MB]] | bench_crf.py TRAIN TEST [MB]")
    n = DOCUMENTS if files or not numbers else int(numbers.pop(0))
    megabytes = float(numbers[0]) if numbers else MEGABYTES
    with tempfile.TemporaryDirectory() as tmp:
        made = project.init(Path(tmp) / "p")
        if files:
            ingest_paths(made, [Path(files[0])], conll=ConllOptions())
            train_ids = {d.id for d in made.store().documents()}
            test_project = project.init(Path(tmp) / "t")
            ingest_paths(test_project, [Path(files[1])], conll=ConllOptions())
            source = f"{files[0]} / {files[1]}"
        else:
            data = Path(tmp) / "gen.jsonl"
            records = generated(n)
            data.write_text(
                "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
            )
            ingest_paths(made, [data])
            test_project = made
            held_out = max(2, round(n * 400 / DOCUMENTS))
            train_ids = {r["id"] for r in records[:-held_out]}
            source = f"{n} documents of generated sentences with made-up names, {held_out} held out"
        annotator = load_annotator(made)
        pairs = [p for p in learning.human_pairs(made) if p[0].id in train_ids]
        counting = crf_features.Featurizer(annotator.entities)  # the training one starts with no memo
        tokens_n = sum(len(s.spans) for doc, _ in pairs for s in counting.sentences(doc))
        start = time.perf_counter()
        model = crf.train(pairs, crf_features.Featurizer(annotator.entities), Path(tmp) / "model")
        train_seconds = time.perf_counter() - start
        test = [p for p in learning.human_pairs(test_project) if p[0].id not in train_ids]
        # an existing corpus annotates a few labels (ANERcorp: PER, GPE, ORG once mapped): the
        # dates and nationalities the rules also find are not its to score
        labels = {s.label for _, layer in pairs for s in layer.entities} if files else None
        if labels and "GPE" in labels and "LOC" not in labels:  # one label for places (ANERcorp's
            labels = labels - {"GPE"} | {"GPE+LOC"}  # LOC, read as GPE): the rules' LOC is a place too
        ignore_proclitics = bool(files)
        scored = learning.held_out(
            annotator, [(model, test)], ignore_proclitics=ignore_proclitics, labels=labels
        )
        scores = learning.evaluations(scored, ignore_proclitics=ignore_proclitics, labels=labels)
        # pre-annotating, the model decides by its measured precision, as one `khabar train` saves
        evaluation = learning.source_precision(scores)
        combined = annotator.with_model(
            dataclasses.replace(model, meta={**model.meta, "evaluation": evaluation})
        )
        # throughput on news-sized documents: the pre-annotation benchmark's
        news = list(documents(megabytes))
        size = sum(len(doc.text.encode()) for doc in news)
        start = time.perf_counter()
        with long_lived():
            for doc in news:
                preannotate.run(doc, combined)
        tag_seconds = time.perf_counter() - start
        peak = peak_rss_mb()  # before a second annotator is loaded
        # the rules alone on the same news, as cold (a new annotator has met no word yet):
        # the difference is the model's own part
        rules = load_annotator(made)
        start = time.perf_counter()
        with long_lived():
            for doc in news:
                preannotate.run(doc, rules)
        rules_seconds = time.perf_counter() - start
        model_part = (tag_seconds - rules_seconds) * 1e6 / size  # seconds per MB
        rows: list[tuple[str, ...]] = [("measure", "value")]
        rows += [
            ("training tokens", str(tokens_n)),
            ("training seconds (one core)", f"{train_seconds:.1f}"),
            (
                f"pre-annotation with the model, MB/s ({size / 1e6:.2f} MB of news-sized documents)",
                f"{size / 1e6 / tag_seconds:.2f}",
            ),
            ("the rules alone on the same news, MB/s", f"{size / 1e6 / rules_seconds:.2f}"),
            ("the model's own part, seconds per MB", f"{model_part:.2f}"),
            ("peak RSS MB", f"{peak:.0f}"),
        ]
        rows += [
            (f"entity F1 on {len(test)} held-out documents: {name}", f"{r.exact['overall'].f1:.3f}")
            for name, r in scores.items()
        ]
        scoring = f", scoring {', '.join(sorted(labels))}" if labels else ""
        print(f"\nCRF on {source}{scoring}, khabar {build()}")
        print(table(rows))
        f1 = ", ".join(f"{name} {r.exact['overall'].f1:.3f}" for name, r in scores.items())
        result(
            f"CRF training {train_seconds:.1f} s on {tokens_n} tokens; tagging with the model "
            f"{size / 1e6 / tag_seconds:.2f} MB/s (the model's part {model_part:.2f} s/MB); "
            f"entity F1 {f1}",
            peak,
        )


if __name__ == "__main__":
    main(sys.argv[1:])
