"""Every script in benchmarks/ runs at a tiny size and prints its result line, so a broken
benchmark fails here and not on the day someone measures (`nox -s benchmarks` runs them at
full size). The tiny runs start together and each test waits for its own: most of their
time is Python starting and importing khabar, in a dozen processes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
SCRIPTS = sorted(path.name for path in BENCHMARKS.glob("bench_*.py"))
#: each script's sizes for a run of a few seconds (a new script needs its own here)
TINY = {
    "bench_crf.py": ["60", "0.05"],  # documents, MB tagged with the model
    "bench_preannotate.py": ["0.05", "1"],  # MB, pairs of in-memory runs
    "bench_release.py": ["20"],
    "bench_scale.py": ["20"],  # all three stages, 1 and 2 workers
    "bench_store.py": ["200"],
    "bench_studio.py": ["20"],  # starts a Label Studio server of its own (port 18090)
}
NEEDS_SERVER = {"bench_studio.py"}
#: what benchmarks/common.py's ``result`` prints
RESULT = re.compile(r"^result: .+; peak memory \d+ MB$", re.MULTILINE)
TIMEOUT = 600  # seconds; a server's first start installs Label Studio


@pytest.fixture(scope="module")
def started(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, tuple[subprocess.Popen[bytes], Path]]]:
    """The tiny runs of the scripts this session selected, all started at once, each in a
    folder of its own: script -> (process, its output)."""
    chosen = {
        str(item.callspec.params["script"])
        for item in request.session.items
        if isinstance(item, pytest.Function) and item.originalname == "test_benchmark_runs_at_a_tiny_size"
    }
    runs: dict[str, tuple[subprocess.Popen[bytes], Path]] = {}
    files: list[IO[bytes]] = []
    for script in sorted(chosen & TINY.keys()):
        folder = tmp_path_factory.mktemp(script.removesuffix(".py"))
        output = folder / "output.txt"
        files.append(output.open("wb"))
        process = subprocess.Popen(
            [sys.executable, str(BENCHMARKS / script), *TINY[script]],
            cwd=folder,
            stdout=files[-1],
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        runs[script] = (process, output)
    yield runs
    for process, _ in runs.values():
        if process.poll() is None:
            process.kill()
            process.wait()
    for file in files:
        file.close()


@pytest.mark.parametrize(
    "script",
    [pytest.param(s, marks=pytest.mark.integration) if s in NEEDS_SERVER else s for s in SCRIPTS],
)
def test_benchmark_runs_at_a_tiny_size(
    script: str, started: dict[str, tuple[subprocess.Popen[bytes], Path]]
) -> None:
    assert script in TINY, f"benchmarks/{script}: give it tiny sizes in TINY ({__file__})"
    process, output = started[script]
    try:
        code = process.wait(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        code = process.wait()
    printed = output.read_text(encoding="utf-8", errors="replace")
    assert code == 0, f"{script} {' '.join(TINY[script])} exited with {code}:\n{printed[-3000:]}"
    assert RESULT.search(printed), f"{script} printed no result line:\n{printed[-3000:]}"


def test_every_script_has_tiny_sizes_and_a_full_run_in_the_noxfile() -> None:
    noxfile = (BENCHMARKS.parent / "noxfile.py").read_text(encoding="utf-8")
    assert set(SCRIPTS) == TINY.keys()
    assert all(f'"{script}"' in noxfile for script in SCRIPTS)
