"""The project lock: one writing command at a time; the processes are real."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from khabar.corpus import lock, project


def test_the_lock_is_reentrant_within_a_process_and_free_after(tmp_path: Path) -> None:
    path = tmp_path / ".khabar" / "lock"
    with lock.hold(path, "khabar build"), lock.hold(path, "khabar ingest"):
        assert path.read_text().startswith("pid ") and "`khabar build`" in path.read_text()
    assert path.read_text() == ""  # released: says nobody
    with lock.hold(path):
        pass


def test_another_process_is_refused_while_the_lock_is_held(tmp_path: Path) -> None:
    made = project.init(tmp_path / "p")
    probe = (
        "import sys; from pathlib import Path; from khabar.corpus import project\n"
        "try:\n"
        "    with project.load(Path(sys.argv[1])).writing(): print('got it')\n"
        "except Exception as err: print(type(err).__name__, err)"
    )
    with made.writing("khabar release 1.0.0"):
        busy = subprocess.run([sys.executable, "-c", probe, str(made.root)], capture_output=True, text=True)
        assert busy.stdout.startswith("BusyError the project is busy: pid ")
        assert "is running `khabar release 1.0.0` since" in busy.stdout
    free = subprocess.run([sys.executable, "-c", probe, str(made.root)], capture_output=True, text=True)
    assert free.stdout.strip() == "got it"


HOLDER = """\
import sys, time
from pathlib import Path
from khabar.corpus import lock
with lock.hold(Path(sys.argv[1]), "khabar pull"):
    print("held", flush=True)
    time.sleep(60)
"""


def test_writing_commands_hold_the_lock(tmp_path: Path) -> None:
    from khabar.annotate.drafting import preannotate_corpus
    from khabar.formats.ingest import ingest_paths

    made = project.init(tmp_path / "p")
    with lock.hold(made.state_dir / "lock"):
        ingest_paths(made, [])  # the same process may go on: the lock is re-entrant
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(made.state_dir / "lock")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        for command in (lambda: ingest_paths(made, []), lambda: preannotate_corpus(made)):
            with pytest.raises(lock.BusyError, match="is running `khabar pull`"):
                command()
    finally:
        holder.kill()
        holder.wait()
