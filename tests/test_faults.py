"""Faults injected for real, each a promise of docs/robustness.md that once broke: the main
process of a worker run killed, a full and a read-only file system, shards corrupted by
hand. Real processes, real mounts, real files; what was tried is counted in the table that
test_robustness prints at the end of the run."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from khabar.cli import app
from khabar.corpus import project
from khabar.corpus.lock import BusyError
from khabar.corpus.project import Project
from tests.helpers import ROBUSTNESS, articles, write_jsonl

runner = CliRunner()


def khabar(*args: str | Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """The real command, in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "khabar", *map(str, args)], capture_output=True, text=True, timeout=timeout
    )


def one_line_error(returncode: int, stderr: str, *expected: str) -> str:
    """The ``error:`` line of a failed command, checked: exit 1, no traceback, a hint."""
    assert returncode == 1, stderr
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.startswith(("error:", "hint:"))]
    assert [line.split(":", 1)[0] for line in lines] == ["error", "hint"], stderr
    for part in expected:
        assert part in lines[0], lines[0]
    return lines[0]


def failed_with(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    return one_line_error(result.returncode, result.stderr, *expected)


def stored(made: Project) -> dict[str, bytes]:
    """Every file of the corpus and annotations, with its bytes."""
    return {
        str(p.relative_to(made.root)): p.read_bytes()
        for folder in (made.corpus_dir, made.annotations_dir)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def leftovers(root: Path) -> list[Path]:
    """Temporary files and folders that a failed command should have removed."""
    return [
        p for p in root.rglob("*") if p.name.endswith((".tmp", ".partial")) or p.name.startswith("ingest-")
    ]


# --- 1. the main process of a worker run killed ------------------------------------------


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if f"\nPPid:\t{pid}\n" in status:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in state  # a zombie has exited


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads processes from /proc (Linux)")
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
@pytest.mark.parametrize("command", ["preannotate", "ingest"])
def test_killing_the_main_process_of_a_worker_run_frees_the_project_and_ends_its_workers(
    command: str, how: signal.Signals, tmp_path: Path
) -> None:
    made = project.init(tmp_path / "p")
    sources = write_jsonl(tmp_path / "a.jsonl", articles(6000, gold_every=1000))
    if command == "preannotate":
        assert khabar("ingest", sources, "-P", made.root).returncode == 0
        args: list[str | Path] = ["preannotate", "--workers", "2"]
    else:
        args = ["ingest", sources, "--workers", "2"]
    main = subprocess.Popen(
        [sys.executable, "-m", "khabar", *map(str, args), "-P", str(made.root)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    while len(workers := children(main.pid)) < 2 and main.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert main.poll() is None and len(workers) >= 2, "the run ended before its workers could be seen"
    with pytest.raises(BusyError), made.writing("test"):  # the main process holds the project
        pass
    main.send_signal(how)
    main.wait()
    with made.writing("test"):  # at once free: no worker holds the lock
        pass
    deadline = time.monotonic() + 10
    while any(alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [w for w in workers if alive(w)], "workers outlived the process that started them"
    ROBUSTNESS[f"main process of `khabar {command} --workers 2` killed ({how.name})"] += 1
    again = khabar(*args, "-P", made.root)  # and the next writing command runs
    assert again.returncode == 0, again.stderr


# --- 3. a full and a read-only file system -----------------------------------------------


def _mount(*args: str) -> str | None:
    """Run mount; the reason it failed, or None."""
    done = subprocess.run(["mount", *args], capture_output=True, text=True)
    return None if done.returncode == 0 else (done.stderr.strip() or f"mount exited {done.returncode}")


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MB file system of its own (tmpfs), to fill or make read-only."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("no `mount` command: a full or read-only file system cannot be made here")
    failed = _mount("-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount))
    if failed:
        pytest.skip(f"a small file system cannot be mounted here (needs root or CAP_SYS_ADMIN): {failed}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path, leave: int = 0) -> None:
    """Fill ``disk`` up, but for about ``leave`` bytes."""
    with (disk / "filler").open("wb", buffering=0) as filler:
        try:
            while True:
                filler.write(b"\0" * 4096)
        except OSError:
            pass
    if leave:
        with (disk / "filler").open("r+b") as filler:
            filler.truncate(max((disk / "filler").stat().st_size - leave, 0))


def test_ingest_on_a_full_disk_says_what_it_could_not_write_and_changes_nothing(
    small_disk: Path, tmp_path: Path
) -> None:
    made = project.init(small_disk / "p")
    assert (
        khabar("ingest", write_jsonl(tmp_path / "first.jsonl", articles(20)), "-P", made.root).returncode == 0
    )
    before = stored(made)
    more = write_jsonl(tmp_path / "more.jsonl", articles(3000)[20:])
    size = more.stat().st_size
    # no room at all (for the lock's line), room to set the input aside but not to write the
    # shards, and room for most of the shards
    for leave in (0, int(size * 1.3), int(size * 1.9)):
        (small_disk / "filler").unlink(missing_ok=True)
        fill(small_disk, leave)
        line = failed_with(khabar("ingest", more, "-P", made.root), "cannot write", "No space left on device")
        assert f"error: cannot write {made.root}/" in line
        assert stored(made) == before
        assert leftovers(made.root) == []
        ROBUSTNESS["ingest on a full disk: one line, the store as it was"] += 1


def test_validate_on_a_full_disk_works_without_its_cache(small_disk: Path, tmp_path: Path) -> None:
    made = project.init(small_disk / "p")
    assert khabar("ingest", write_jsonl(tmp_path / "a.jsonl", articles(30)), "-P", made.root).returncode == 0
    fill(small_disk)
    for _ in range(3):
        for cache in made.state_dir.glob("cache.sqlite*"):
            cache.unlink()
        fill(small_disk)  # what the removed cache freed
        checked = khabar("validate", "-P", made.root)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert "validate: 30 documents, 0 errors" in checked.stdout
        ROBUSTNESS["validate on a full disk (no cache can be written)"] += 1


def test_a_read_only_file_system_gives_one_line_and_reading_commands_still_work(
    small_disk: Path, tmp_path: Path
) -> None:
    made = project.init(small_disk / "p")
    sources = write_jsonl(tmp_path / "a.jsonl", articles(30))
    assert khabar("ingest", sources, "-P", made.root).returncode == 0
    before = stored(made)
    # the annotations folder alone read-only: an ingest with gold writes the corpus, then fails there
    failed = _mount("--bind", str(made.annotations_dir), str(made.annotations_dir))
    failed = failed or _mount("-o", "remount,bind,ro", str(made.annotations_dir))
    if failed:
        pytest.skip(f"a read-only bind mount cannot be made here: {failed}")
    try:
        gold = write_jsonl(tmp_path / "gold.jsonl", articles(60, gold_every=1)[30:])
        failed_with(khabar("ingest", gold, "-P", made.root), "cannot write", "Read-only file system")
        assert stored(made) == before  # the corpus shards were not written either
        assert leftovers(made.root) == []
        ROBUSTNESS["ingest into a read-only annotations folder: one line, nothing written"] += 1
    finally:
        subprocess.run(["umount", str(made.annotations_dir)], check=False)
    for cache in made.state_dir.glob("cache.sqlite*"):
        cache.unlink()
    assert _mount("-o", "remount,ro", str(small_disk)) is None
    checked = khabar("validate", "-P", made.root)
    assert checked.returncode == 0 and "validate: 30 documents, 0 errors" in checked.stdout, checked.stderr
    exported = khabar("export", "-o", tmp_path / "out.jsonl", "-P", made.root)
    assert exported.returncode == 0, exported.stderr
    failed_with(khabar("preannotate", "-P", made.root), "cannot write", "Read-only file system")
    ROBUSTNESS["reading commands on a read-only project"] += 2
    ROBUSTNESS["writing command on a read-only project: one line"] += 1


# --- 4. shards corrupted by hand ----------------------------------------------------------


def _cut_mid_character(data: bytes) -> bytes:
    """The shard's second line cut in the middle of an Arabic letter, its newline kept."""
    lines = data.splitlines(keepends=True)
    line = lines[1]
    cut = next(i for i in range(len(line) // 2, len(line)) if line[i] >= 0xC0) + 1  # after a lead byte
    lines[1] = line[:cut] + b"\n"
    return b"".join(lines)


def _not_an_object(data: bytes) -> bytes:
    lines = data.splitlines(keepends=True)
    lines[1] = b'["art-00001", "text"]\n'
    return b"".join(lines)


def _cut_short(data: bytes) -> bytes:
    lines = data.splitlines(keepends=True)
    lines[1] = lines[1][: len(lines[1]) // 3].decode("utf-8", "ignore").encode() + b"\n"
    return b"".join(lines)


def _duplicated(data: bytes) -> bytes:
    lines = data.splitlines(keepends=True)
    return b"".join([*lines[:2], lines[1], *lines[2:]])


def _missing_fields(data: bytes) -> bytes:
    lines = data.splitlines(keepends=True)
    lines[1] = b'{"id": "art-99999"}\n'
    return b"".join(lines)


CORRUPTIONS = {
    "cut mid-character": (_cut_mid_character, "not UTF-8"),
    "not a JSON object": (_not_an_object, "a list where a JSON object was expected"),
    "cut short": (_cut_short, "not valid JSON"),
    "duplicated line": (_duplicated, "stored twice (first at line 2)"),
    "fields missing": (_missing_fields, "is not what khabar writes"),
}


@pytest.fixture(scope="module")
def healthy(tmp_path_factory: pytest.TempPathFactory) -> Project:
    """A project of 60 documents with gold layers and drafts."""
    root = tmp_path_factory.mktemp("healthy")
    made = project.init(root / "p")
    sources = write_jsonl(root / "a.jsonl", articles(60, gold_every=2))
    assert khabar("ingest", sources, "-P", made.root).returncode == 0
    assert khabar("preannotate", "-P", made.root).returncode == 0
    return made


def corrupted(healthy: Project, tmp_path: Path, folder: str, case: str) -> tuple[Project, str]:
    """A copy of ``healthy`` with one shard of ``folder`` corrupted; its name as shown."""
    made = project.load(Path(shutil.copytree(healthy.root, tmp_path / "p")))
    corrupt, _ = CORRUPTIONS[case]
    shard = max((made.root / folder).glob("*.jsonl"), key=lambda p: p.stat().st_size)
    shard.write_bytes(corrupt(shard.read_bytes()))
    return made, str(shard.relative_to(made.root))


READERS: dict[str, list[str]] = {
    "validate": ["validate"],
    "validate --workers 2": ["validate", "--workers", "2"],
    "release": ["release", "1.0.0", "--allow-unreviewed"],
    "export": ["export", "-o", "{tmp}/out.jsonl"],
    "status": ["status"],
}


@pytest.mark.parametrize("folder", ["corpus", "annotations", "annotations/drafts"])
@pytest.mark.parametrize("case", sorted(CORRUPTIONS))
def test_a_corrupt_shard_is_named_by_file_and_line_by_every_reading_command(
    healthy: Project, tmp_path: Path, folder: str, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    made, shard = corrupted(healthy, tmp_path, folder, case)
    _, what = CORRUPTIONS[case]
    line = 3 if case == "duplicated line" else 2
    monkeypatch.chdir(made.root)  # files are shown relative to the current folder, as a user sees them
    for name, args in READERS.items():
        result = runner.invoke(app, [a.format(tmp=tmp_path) for a in args])
        assert result.exception is None or isinstance(result.exception, SystemExit), (name, result.exception)
        error = one_line_error(result.exit_code, result.stderr, f"error: {shard}:{line}: ", what)
        assert "run the command again" not in result.stderr, (name, error)
        assert "khabar doctor --quarantine" in result.stderr
        ROBUSTNESS[f"corrupt shard ({case}) named by file and line"] += 1
    assert not (made.build_dir / "1.0.0").exists()


@pytest.mark.parametrize("case", sorted(CORRUPTIONS))
def test_doctor_finds_the_broken_lines_and_quarantine_keeps_everything_else(
    healthy: Project, tmp_path: Path, case: str
) -> None:
    made, shard = corrupted(healthy, tmp_path, "corpus", case)
    line = 3 if case == "duplicated line" else 2
    documents_before = sum(1 for _ in healthy.store().documents())
    found = khabar("doctor", "-P", made.root)
    assert found.returncode == 1, found.stdout + found.stderr
    assert f"broken: {made.root / shard}:{line}: " in found.stderr or f"{shard}:{line}: " in found.stderr
    moved = khabar("doctor", "--quarantine", "-P", made.root)
    assert moved.returncode == 0, moved.stderr
    assert "doctor: 1 broken lines moved to" in moved.stdout
    quarantined = list((made.state_dir / "quarantine").rglob("*.jsonl"))
    assert len(quarantined) == 1 and f":{line}" in quarantined[0].read_text(encoding="utf-8")
    checked = khabar("validate", "-P", made.root)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    kept = sum(1 for _ in made.store().documents())
    # a duplicate loses nothing; a broken line loses its document to the quarantine folder only
    assert kept == (documents_before if case == "duplicated line" else documents_before - 1)
    assert khabar("doctor", "-P", made.root).returncode == 0
    ROBUSTNESS["corrupt shards repaired by doctor --quarantine, the rest kept"] += 1


def test_a_killed_release_leaves_no_partial_folder_after_the_next_writing_command(tmp_path: Path) -> None:
    made = project.init(tmp_path / "p")
    assert khabar("ingest", write_jsonl(tmp_path / "a.jsonl", articles(10)), "-P", made.root).returncode == 0
    partial = made.build_dir / ".0.9.0.partial"
    (partial / "ner").mkdir(parents=True)  # what a release killed while writing leaves
    (partial / "ner" / "train.parquet").write_bytes(b"half")
    assert khabar("preannotate", "-P", made.root).returncode == 0
    assert not partial.exists()
    ROBUSTNESS["a killed release's folder removed by the next writing command"] += 1
