"""Push and pull of 5,000 documents through a real Label Studio, next to the raw SDK bulk
import and export of the same tasks, measured in the same run.

    nox -s benchmarks -- studio [N]

Target (issue 3): khabar costs at most 25% over the raw SDK.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import uuid
from pathlib import Path

from common import generated_records, peak_rss_mb, result, table, timed

from khabar.annotate.drafting import preannotate_corpus
from khabar.corpus import project
from khabar.corpus.model import Provenance
from khabar.formats.ingest import ingest_paths
from khabar.formats.interchange import from_record
from khabar.formats.labelstudio import layer_results, task
from khabar.studio import server as studio
from khabar.studio.client import Studio
from khabar.studio.sync import pull, push


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        home = root / "studio"
        server = studio.start(home, port=18090)
        try:
            bench(root, server.url, (home / "token").read_text().strip(), n)
        finally:
            studio.stop(home)


def bench(root: Path, url: str, token: str, n: int) -> None:
    made = project.init(root / "corpus")
    records = list(generated_records(n))
    source = root / "in.jsonl"
    source.write_text(
        "".join(json.dumps({"id": r["id"], "text": r["text"]}, ensure_ascii=False) + "\n" for r in records),
        encoding="utf-8",
    )
    ingest_paths(made, [source])
    preannotate_corpus(made)
    scheme = made.scheme()
    store = made.store()
    items = [(doc, next(x for x in layers if x.kind == "pre")) for doc, layers in store.items()]
    client = Studio(url, token)
    os.environ["LABEL_STUDIO_URL"], os.environ["LABEL_STUDIO_API_KEY"] = url, token
    times: dict[str, float] = {}

    # raw SDK: the same task payloads, one bulk import in batches of 1000, then the export
    raw_project = client.project(f"raw {uuid.uuid4().hex[:6]}", scheme)
    payload = [task(doc, pre) for doc, pre in items]
    with timed(times, "raw import"):
        for i in range(0, len(payload), 1000):
            client.client.projects.import_tasks(
                id=raw_project, request=payload[i : i + 1000], request_options={"timeout_in_seconds": 600}
            )
    # khabar push into its own project
    with timed(times, "khabar push"):
        report = push(made)
    assert report.new == n, report

    # annotations for every task: imported in bulk with the gold as a human's result
    gold = {r["id"]: r for r in records}
    annotated = []
    for doc, _ in items:
        _, layer = from_record(gold[doc.id], scheme, provenance=Provenance("bench"))
        assert layer is not None
        annotated.append({**task(doc, None), "annotations": [{"result": layer_results(doc, layer)}]})
    title = f"annotated {uuid.uuid4().hex[:6]}"
    annotated_project = client.project(title, scheme)
    for i in range(0, len(annotated), 1000):
        client.client.projects.import_tasks(
            id=annotated_project, request=annotated[i : i + 1000], request_options={"timeout_in_seconds": 600}
        )
    with timed(times, "raw export"):
        exported = client.client.projects.exports.as_json(annotated_project, timeout=600)
    assert len(exported) == n
    config = made.root / "khabar.toml"
    config.write_text(config.read_text() + f'\n[labelstudio]\nproject = "{title}"\n')
    with timed(times, "khabar pull"):
        pulled = pull(project.load(made.root))
    assert pulled.written == n and not pulled.refused, (pulled.written, pulled.refused[:3])

    rows = [("operation", "seconds", "documents/s", "khabar vs raw")]
    for raw, ours in (("raw import", "khabar push"), ("raw export", "khabar pull")):
        overhead = times[ours] / times[raw] - 1
        rows.append((raw, f"{times[raw]:.2f}", f"{n / times[raw]:.0f}", ""))
        rows.append((ours, f"{times[ours]:.2f}", f"{n / times[ours]:.0f}", f"{overhead:+.0%}"))
    print(f"\nLabel Studio round trip, {n} documents (target: khabar at most +25% over the raw SDK)")
    print(table(rows))
    print(f"peak memory of this process: {peak_rss_mb():.0f} MB")
    result(
        f"{n} documents: push {times['khabar push']:.2f} s "
        f"({times['khabar push'] / times['raw import'] - 1:+.0%} over the raw SDK), "
        f"pull {times['khabar pull']:.2f} s ({times['khabar pull'] / times['raw export'] - 1:+.0%})",
        peak_rss_mb(),
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
