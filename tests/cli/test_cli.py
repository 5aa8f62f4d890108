from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import datasets
import pytest
from typer.main import get_command
from typer.testing import CliRunner

from khabar.cli import app
from khabar.corpus.project import Project
from tests.helpers import ROOT, Record, write_jsonl

runner = CliRunner()


def all_commands() -> list[str]:
    root: Any = get_command(app)
    found = []
    for name, cmd in root.commands.items():
        if hasattr(cmd, "commands"):
            found += [f"{name} {sub}" for sub in cmd.commands]
        else:
            found.append(name)
    return found


@pytest.mark.parametrize("name", all_commands())
def test_every_command_has_help_with_an_example(name: str) -> None:
    result = runner.invoke(app, [*name.split(), "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output and "khabar " in result.output.split("Example:")[1]


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("khabar ")


def test_outside_a_project_commands_fail_with_one_error_line_and_a_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: no khabar.toml in {tmp_path} or any folder above it",
        "hint: run the command inside a project, pass --project DIR, or create one with `khabar init DIR`",
    ]


def test_the_whole_path_from_init_to_a_checked_release(
    tmp_path: Path, paragraph_records: list[Record]
) -> None:
    p = str(tmp_path / "news")
    assert runner.invoke(app, ["init", p]).exit_code == 0
    source = write_jsonl(tmp_path / "in.jsonl", paragraph_records)
    result = runner.invoke(app, ["ingest", str(source), "--project", p])
    assert result.exit_code == 0 and "10 added" in result.output
    assert "next: `khabar preannotate`" in result.output  # each step says what comes next
    result = runner.invoke(app, ["preannotate", "-P", p])
    assert result.exit_code == 0 and "10 documents" in result.output
    assert "next: `khabar studio start`, then `khabar push`" in result.output
    report = tmp_path / "report.json"
    result = runner.invoke(app, ["validate", "--json", str(report), "-P", p])
    assert result.exit_code == 0 and json.loads(report.read_text())["ok"] is True
    result = runner.invoke(app, ["release", "1.0.0", "-P", p, "--allow-dirty"])
    assert result.exit_code == 0, result.output
    assert "release 1.0.0 written to" in result.output
    assert runner.invoke(app, ["release", "check", f"{p}/build/1.0.0"]).exit_code == 0
    result = runner.invoke(app, ["export", "--format", "jsonl", "--layer", "gold", "-P", p])
    exported = [json.loads(line) for line in result.output.splitlines()]
    assert sorted(r["id"] for r in exported) == sorted(r["id"] for r in paragraph_records)


def test_ingest_reports_refused_lines_and_exits_1(
    tmp_path: Path, new_project: Callable[..., Project]
) -> None:
    made = new_project()
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "ok", "text": "خبر"}\n{"id": "x"\n', encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(bad), "-P", str(made.root)])
    assert result.exit_code == 1 and "next:" not in result.output  # mend the input first
    assert f"refused: {bad}:2: not valid JSON" in result.stderr
    assert "1 added" in result.output and "1 refused" in result.output


def test_validate_fails_on_a_planted_error_and_names_it(
    tmp_path: Path, new_project: Callable[..., Project], seed_record: Record
) -> None:
    made = new_project([seed_record])
    shard = next(made.annotations_dir.glob("*.jsonl"))
    shard.write_text(shard.read_text().replace('"start":24,"end":32', '"start":25,"end":32', 1))
    result = runner.invoke(app, ["validate", "-P", str(made.root)])
    assert result.exit_code == 1
    assert (
        "error: seed-0001 [gold] 25:32: span-text: span text 'أوكرانيا' but the document has" in result.stderr
    )
    assert "1 documents, 1 errors" in result.output


def test_release_check_fails_on_a_tampered_file(
    tmp_path: Path, new_project: Callable[..., Project], paragraph_records: list[Record]
) -> None:
    made = new_project(paragraph_records)
    runner.invoke(app, ["release", "2.0", "-P", str(made.root), "--allow-dirty"])
    parquet = made.root / "build" / "2.0" / "ner" / "train.parquet"
    parquet.write_bytes(parquet.read_bytes()[:-10])
    result = runner.invoke(app, ["release", "check", str(made.root / "build" / "2.0")])
    assert result.exit_code == 1
    assert "ner/train.parquet: sha256 differs from the manifest" in result.stderr


def copy_repository_project(tmp_path: Path) -> Path:
    target = tmp_path / "repo"
    target.mkdir()
    for name in ("khabar.toml",):
        shutil.copy(ROOT / name, target / name)
    for folder in ("sources", "corpus", "annotations", "schemas"):
        shutil.copytree(ROOT / folder, target / folder, symlinks=False)
    return target


def test_build_releases_the_repository_corpus_and_is_idempotent(tmp_path: Path) -> None:
    repo = copy_repository_project(tmp_path)
    first = runner.invoke(app, ["build", "-P", str(repo)])
    assert first.exit_code == 0, first.output + first.stderr
    assert "ingest: 0 added, 1 unchanged" in first.output
    (release_dir,) = (repo / "build").iterdir()
    assert f"written to {release_dir}" in first.output
    ner = datasets.load_dataset(str(release_dir), "ner")
    assert sum(len(split) for split in ner.values()) > 0
    again = runner.invoke(app, ["build", "-P", str(repo)])
    assert (
        again.exit_code == 0 and f"unchanged since the last build, already at {release_dir}" in again.output
    )
