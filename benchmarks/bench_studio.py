"""Push and pull of 5,000 documents through a real Label Studio, next to the raw SDK bulk
import and export of the same tasks, measured in the same run.

    nox -s benchmarks -- studio [N]
    nox -s benchmarks -- studio --pull-scale 5000 20000   # pull alone, on growing projects

Targets (issues 3 and 22): khabar's time and peak memory at most 25% over the raw SDK's. Each
of the four operations runs in a process of its own (this script with ``--op``), so each
peak (``VmHWM``) is that operation's alone; the report prints, it does not assert.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from common import generated_records, peak_rss_mb, result, table

from khabar.annotate.drafting import preannotate_corpus
from khabar.corpus import project
from khabar.corpus.model import Provenance
from khabar.formats.ingest import ingest_paths
from khabar.formats.interchange import from_record
from khabar.formats.labelstudio import layer_results, task
from khabar.studio import server as studio
from khabar.studio.client import Studio
from khabar.studio.sync import pull, push


def main(run: Callable[[Path, str, str], None]) -> None:
    """``run(folder, url, token)`` against a Label Studio server of its own."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        home = root / "studio"
        server = studio.start(home, port=18090)
        try:
            run(root, server.url, (home / "token").read_text().strip())
        finally:
            studio.stop(home)


def annotated(root: Path, client: Studio, n: int) -> tuple[project.Project, str, int]:
    """A corpus of ``n`` pre-annotated documents, and a project of the server holding each of
    them as a task annotated with its gold (imported in bulk as a human's result): the
    project, the server project's title and id."""
    made = project.init(root)
    records = list(generated_records(n))
    source = root.parent / f"{root.name}.jsonl"
    source.write_text(
        "".join(json.dumps({"id": r["id"], "text": r["text"]}, ensure_ascii=False) + "\n" for r in records),
        encoding="utf-8",
    )
    ingest_paths(made, [source])
    preannotate_corpus(made)
    scheme = made.scheme()
    gold = {r["id"]: r for r in records}
    tasks = []
    for doc, _ in made.store().items():
        _, layer = from_record(gold[doc.id], scheme, provenance=Provenance("bench"))
        assert layer is not None
        tasks.append({**task(doc, None), "annotations": [{"result": layer_results(doc, layer)}]})
    title = f"annotated {uuid.uuid4().hex[:6]}"
    target = client.project(title, scheme)
    for i in range(0, len(tasks), 1000):
        client.client.projects.import_tasks(
            id=target, request=tasks[i : i + 1000], request_options={"timeout_in_seconds": 600}
        )
    return made, title, target


def pull_scale(root: Path, url: str, token: str, sizes: list[int]) -> None:
    """khabar pull alone on projects of growing size: its peak memory should stay flat."""
    client = Studio(url, token)
    os.environ["LABEL_STUDIO_URL"], os.environ["LABEL_STUDIO_API_KEY"] = url, token
    rows = [("tasks", "seconds", "documents/s", "peak MB")]
    for n in sizes:
        made, title, _ = annotated(root / f"corpus-{n}", client, n)
        config = made.root / "khabar.toml"
        config.write_text(config.read_text() + f'\n[labelstudio]\nproject = "{title}"\n')
        seconds, peak, count = measured("khabar pull", made.root, 0)
        assert count == n, (n, count)
        rows.append((str(n), f"{seconds:.2f}", f"{n / seconds:.0f}", f"{peak:.0f}"))
    print("\nkhabar pull as the project grows (memory should not grow with the tasks)")
    print(table(rows))


def bench(root: Path, url: str, token: str, n: int) -> None:
    client = Studio(url, token)
    os.environ["LABEL_STUDIO_URL"], os.environ["LABEL_STUDIO_API_KEY"] = url, token
    made, title, annotated_project = annotated(root / "corpus", client, n)
    scheme = made.scheme()
    raw_project = client.project(f"raw {uuid.uuid4().hex[:6]}", scheme)
    times: dict[str, float] = {}
    peaks: dict[str, float] = {}
    for op, target in (
        ("raw import", raw_project),
        ("khabar push", 0),
        ("raw export", annotated_project),
        ("khabar pull", 0),
    ):
        if op == "khabar pull":  # pull reads the annotated project
            config = made.root / "khabar.toml"
            config.write_text(config.read_text() + f'\n[labelstudio]\nproject = "{title}"\n')
        times[op], peaks[op], count = measured(op, made.root, target)
        assert count == n, (op, count)

    rows = [("operation", "seconds", "documents/s", "peak MB", "time vs raw", "memory vs raw")]
    for raw, ours in (("raw import", "khabar push"), ("raw export", "khabar pull")):
        rows.append((raw, f"{times[raw]:.2f}", f"{n / times[raw]:.0f}", f"{peaks[raw]:.0f}", "", ""))
        rows.append(
            (
                ours,
                f"{times[ours]:.2f}",
                f"{n / times[ours]:.0f}",
                f"{peaks[ours]:.0f}",
                f"{times[ours] / times[raw] - 1:+.0%}",
                f"{peaks[ours] / peaks[raw] - 1:+.0%}",
            )
        )
    print(f"\nLabel Studio round trip, {n} documents (target: khabar at most +25% over the raw SDK)")
    print(table(rows))
    within = all(
        times[o] <= 1.25 * times[r] and peaks[o] <= 1.25 * peaks[r]
        for r, o in (("raw import", "khabar push"), ("raw export", "khabar pull"))
    )
    print(f"within 25% of the raw SDK in time and memory: {'yes' if within else 'NO'}")
    result(
        f"{n} documents: push {times['khabar push']:.2f} s "
        f"({times['khabar push'] / times['raw import'] - 1:+.0%} over the raw SDK), "
        f"pull {times['khabar pull']:.2f} s ({times['khabar pull'] / times['raw export'] - 1:+.0%}); "
        f"peak MB push {peaks['khabar push']:.0f} (raw {peaks['raw import']:.0f}), "
        f"pull {peaks['khabar pull']:.0f} (raw {peaks['raw export']:.0f})",
        max(peaks.values()),
    )


def measured(op: str, root: Path, target: int) -> tuple[float, float, int]:
    """Seconds, peak MB and documents of one operation, run in a process of its own."""
    done = subprocess.run(
        [sys.executable, __file__, "--op", op, str(root), str(target)],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ,
    )
    seconds, peak, count = json.loads(done.stdout.strip().splitlines()[-1])
    return float(seconds), float(peak), int(count)


def operation(op: str, root: Path, target: int) -> None:
    """One measured operation (in its own process): prints [seconds, peak MB, documents]."""
    made = project.load(root)
    client = Studio(os.environ["LABEL_STUDIO_URL"], os.environ["LABEL_STUDIO_API_KEY"])
    start = time.perf_counter()
    if op == "raw import":  # the raw SDK: the same task payloads, imported in batches of 1000
        payload = [
            task(doc, next(x for x in layers if x.kind == "pre")) for doc, layers in made.store().items()
        ]
        start = time.perf_counter()
        for i in range(0, len(payload), 1000):
            client.client.projects.import_tasks(
                id=target, request=payload[i : i + 1000], request_options={"timeout_in_seconds": 600}
            )
        count = len(payload)
    elif op == "khabar push":
        count = push(made).new
    elif op == "raw export":
        count = len(client.client.projects.exports.as_json(target, timeout=600))
    else:
        pulled = pull(made)
        assert not pulled.refused, pulled.refused[:3]
        count = pulled.written
    seconds = time.perf_counter() - start
    peak = peak_rss_mb()  # VmHWM: ru_maxrss would carry the parent's peak over the fork
    print(json.dumps([seconds, peak, count]))


if __name__ == "__main__":
    if sys.argv[1:2] == ["--op"]:
        operation(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]))
    elif sys.argv[1:2] == ["--pull-scale"]:
        sizes = [int(n) for n in sys.argv[2:]] or [5000, 20000]
        main(lambda root, url, token: pull_scale(root, url, token, sizes))
    else:
        n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
        main(lambda root, url, token: bench(root, url, token, n))
