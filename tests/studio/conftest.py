"""Fixtures of the tests against a real Label Studio: one local server per test run
(started with `khabar studio start` on port 18080, stopped at the end) and khabar projects
that use it as a team's own server (LABEL_STUDIO_URL / LABEL_STUDIO_API_KEY)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from khabar.annotate.drafting import preannotate_corpus
from khabar.cli import app
from khabar.corpus import project
from khabar.corpus.project import Project
from khabar.studio import server as studio
from khabar.studio.sync import studio_home
from tests.helpers import Record

runner = CliRunner()


@pytest.fixture(scope="session")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project whose local server the tests share."""
    path = tmp_path_factory.mktemp("hub") / "hub"
    assert runner.invoke(app, ["init", str(path)]).exit_code == 0
    return path


@pytest.fixture(scope="session")
def server(hub: Path) -> Iterator[tuple[str, str]]:
    """The local server of a hub project, started through the CLI as a user would."""
    result = runner.invoke(app, ["studio", "start", "--port", "18080", "-P", str(hub)])
    assert result.exit_code == 0, result.output + result.stderr
    assert "Label Studio is running at http://127.0.0.1:" in result.output
    token_file = studio_home(project.load(hub)) / "token"
    token = token_file.read_text().strip()
    assert token not in result.output and oct(token_file.stat().st_mode)[-3:] == "600"
    status = studio.status(studio_home(project.load(hub)))
    assert status is not None
    yield status.url, token
    assert runner.invoke(app, ["studio", "stop", "-P", str(hub)]).exit_code == 0
    assert studio.status(studio_home(project.load(hub))) is None


@pytest.fixture
def team_project(
    server: tuple[str, str], new_project: Callable[..., Project], monkeypatch: pytest.MonkeyPatch
) -> Callable[[list[Record]], Project]:
    """A khabar project that talks to the shared server as a team's own server (env vars)."""
    url, token = server
    monkeypatch.setenv("LABEL_STUDIO_URL", url)
    monkeypatch.setenv("LABEL_STUDIO_API_KEY", token)

    def make(records: list[Record]) -> Project:
        made = new_project(records)
        config = made.root / "khabar.toml"
        config.write_text(config.read_text() + f'\n[labelstudio]\nproject = "test {uuid.uuid4().hex[:8]}"\n')
        made = project.load(made.root)
        preannotate_corpus(made)
        return made

    return make
