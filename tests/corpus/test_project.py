from __future__ import annotations

from pathlib import Path

import pytest

from khabar.corpus import project
from khabar.errors import ProjectError
from tests.helpers import ROOT


def test_init_creates_a_project_with_the_default_scheme(tmp_path: Path) -> None:
    made = project.init(tmp_path / "news", name="أخبار")
    for folder in ("corpus", "annotations", "schemas", "sources"):
        assert (made.root / folder).is_dir()
    assert made.name == "أخبار"
    assert made.scheme().entity_labels[0] == "PER"
    assert ".khabar/" in (made.root / ".gitignore").read_text()
    assert made.splits() == {"train": 80, "validation": 10, "test": 10}


def test_init_refuses_an_existing_project(tmp_path: Path) -> None:
    project.init(tmp_path)
    with pytest.raises(ProjectError, match="already a khabar project"):
        project.init(tmp_path)


def test_a_project_is_found_from_any_folder_below_it(tmp_path: Path) -> None:
    made = project.init(tmp_path / "p")
    deep = made.root / "corpus" / "a" / "b"
    deep.mkdir(parents=True)
    assert project.find(deep).root == made.root


def test_outside_a_project_the_error_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match=r"no khabar\.toml") as info:
        project.find(tmp_path)
    assert "khabar init" in (info.value.hint or "")


def test_splits_must_add_up_to_100(tmp_path: Path) -> None:
    made = project.init(tmp_path)
    config = made.root / "khabar.toml"
    config.write_text(config.read_text().replace("test = 10", "test = 20"))
    with pytest.raises(ProjectError, match="add up to 100"):
        project.load(made.root).splits()


def test_the_repository_is_a_project_holding_the_seed_article() -> None:
    root = ROOT
    repo = project.find(root / "tests")
    assert repo.root == root
    assert repo.store().document("seed-0001") is not None
