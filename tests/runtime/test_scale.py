"""Running the stages on several workers: worker processes on this machine and a Dask
LocalCluster of two workers give byte for byte what one process gives; a failing task
is retried (a worker that dies included) and one that keeps failing is reported; an
interrupted pre-annotation resumes, skipping finished shards."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from khabar.annotate.drafting import preannotate_corpus
from khabar.corpus import project
from khabar.corpus.project import Project
from khabar.errors import KhabarError
from khabar.formats.ingest import ingest_paths
from khabar.quality.results import validate_corpus
from khabar.release.cut import release_corpus
from khabar.runtime.executor import Engine, Failed, failures
from tests.helpers import articles, write_jsonl


def files_of(made: Project) -> dict[str, bytes]:
    return {
        str(p.relative_to(made.root)): p.read_bytes()
        for folder in (made.corpus_dir, made.annotations_dir, made.build_dir)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def run_all(made: Project, source: Path, engine: Engine) -> list[str]:
    ingest_paths(made, [source], engine=engine)
    preannotate_corpus(made, engine=engine)
    report = validate_corpus(made, engine=engine)
    release_corpus(made, "1.0.0", allow_unreviewed=True, allow_dirty=True, engine=engine)
    return [str(v) for v in report.violations]


@pytest.mark.slow
def test_workers_and_a_dask_cluster_give_byte_identical_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # the drafts' time stamps, fixed
    source = write_jsonl(tmp_path / "articles.jsonl", articles(900))
    results = {}
    for name, engine in {
        "one process": Engine(),
        "two worker processes": Engine(workers=2),
        "a Dask LocalCluster of two workers": Engine(workers=2, scheduler="local"),
    }.items():
        made = project.init(tmp_path / name.replace(" ", "-"), name="corpus")
        violations = run_all(made, source, engine)
        results[name] = (files_of(made), violations)
    (reference, violations), *others = results.values()
    assert len(reference) > 250 and any(name.startswith("build/1.0.0/") for name in reference)
    for files, found in others:
        assert found == violations
        assert files.keys() == reference.keys()
        assert [name for name in files if files[name] != reference[name]] == []


def test_a_big_json_lines_file_read_in_stretches_gives_the_same_documents_and_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")  # the gold layers' time stamps, fixed
    records = articles(400)
    source = write_jsonl(tmp_path / "articles.jsonl", records)
    with source.open("a", encoding="utf-8") as out:
        out.write("not json\n")
    monkeypatch.setattr("khabar.formats.ingest.JSONL_STRETCH", 4096)  # many stretches, many workers' worth
    one, two = project.init(tmp_path / "one"), project.init(tmp_path / "two")
    first = ingest_paths(one, [source])
    second = ingest_paths(two, [source], engine=Engine(workers=2))
    assert [str(p) for p in second.problems] == [str(p) for p in first.problems]
    assert [str(p) for p in first.problems] == [f"{source}:401: not valid JSON (Expecting value at column 1)"]
    assert files_of(one) == files_of(two)


def _flaky(task: tuple[str, int]) -> int:
    """Dies (the whole worker process) or raises the first time it sees a task."""
    marker, number = Path(task[0]) / f"seen-{task[1]}", task[1]
    if not marker.exists():
        marker.touch()
        if number == 3:
            os._exit(1)  # a worker that dies mid-task
        if number == 5:
            raise RuntimeError("a passing failure")
    if number == 7:
        raise ValueError("always fails")
    return number * number


@pytest.mark.parametrize("engine", [Engine(), Engine(workers=2)], ids=["one process", "two workers"])
def test_failing_tasks_are_retried_and_one_that_keeps_failing_is_reported(
    engine: Engine, tmp_path: Path
) -> None:
    tasks = [(str(tmp_path), n) for n in range(10) if engine.parallel or n != 3]  # (in-process: no dying)
    done = list(engine.map(_flaky, tasks, description="test", total=len(tasks)))
    assert sorted(d.task for d in done) == sorted(tasks)  # nothing dropped
    results = {d.task[1]: d.result for d in done}
    assert {n: r for n, r in results.items() if not isinstance(r, Failed)} == {
        n: n * n for n, _ in [(t[1], 0) for t in tasks] if n != 7
    }
    failed = results[7]
    assert isinstance(failed, Failed) and "always fails" in failed.error
    error = failures([d.result for d in done if isinstance(d.result, Failed)], "tasks")
    assert error is not None and error.message.startswith("1 tasks failed after retries (")
    assert "always fails" in error.message and error.hint and "run the command again" in error.hint


def _doomed(task: tuple[str, int]) -> int:
    """Task 7 always raises, and its last attempt is still running when task 3 kills its
    own worker, which breaks the pool under it."""
    folder, number = Path(task[0]), task[1]
    if number == 3:
        if not (folder / "killed").exists():
            (folder / "killed").touch()
            for _ in range(600):
                if (folder / "third").exists():
                    os._exit(1)
                time.sleep(0.05)
        return 9
    tries = len(list(folder.glob("try-*")))
    (folder / f"try-{tries}").touch()
    if tries == 2:
        (folder / "third").touch()
        time.sleep(5)  # the pool breaks meanwhile
    raise ValueError("always fails")


def test_a_failing_task_lost_with_a_dying_worker_keeps_its_own_error(tmp_path: Path) -> None:
    done = list(
        Engine(workers=2).map(_doomed, [(str(tmp_path), 3), (str(tmp_path), 7)], description="t", total=2)
    )
    results = {d.task[1]: d.result for d in done}
    assert results[3] == 9
    assert isinstance(results[7], Failed)
    assert results[7].error == "ValueError: always fails (then a worker process died)"


@pytest.mark.slow
def test_on_dask_a_raising_task_is_retried_and_a_failing_one_reported(tmp_path: Path) -> None:
    tasks = [(str(tmp_path), n) for n in range(8) if n != 3]
    done = list(Engine(workers=2, scheduler="local").map(_flaky, tasks, description="test", total=len(tasks)))
    results = {d.task[1]: d.result for d in done}
    assert results[5] == 25 and isinstance(results[7], Failed) and len(done) == len(tasks)


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(KhabarError, match=r"cannot reach the Dask scheduler at tcp://127\.0\.0\.1:9"):
        list(Engine(scheduler="tcp://127.0.0.1:9").map(abs, [1], description="test", total=1))


def test_preannotation_resumes_and_skips_the_shards_it_finished(tmp_path: Path) -> None:
    made = project.init(tmp_path / "p")
    ingest_paths(made, [write_jsonl(tmp_path / "a.jsonl", articles(300))])
    shards = made.store().shards()
    first = preannotate_corpus(made)
    assert (first.documents, first.skipped_shards) == (300, 0)
    again = preannotate_corpus(made, engine=Engine(workers=2))
    assert (again.documents, again.written, again.skipped_shards) == (0, 0, len(shards))
    # a run killed half way: some shards' drafts are gone (or stale); only those are redone
    drafts = made.store().drafts_dir
    lost = sorted(drafts.glob("*.jsonl"))[:5]
    for path in lost:
        path.unlink()
    resumed = preannotate_corpus(made)
    assert resumed.skipped_shards == len(shards) - len(lost)
    assert resumed.written == resumed.documents > 0
    # a fresh clone has no stamps: every shard is read again, and nothing changes
    shutil.rmtree(made.state_dir)
    assert preannotate_corpus(made).written == 0  # no stamps: all read again, nothing changed
