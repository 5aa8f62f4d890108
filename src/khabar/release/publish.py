"""Publishing a release to a git remote (a Hugging Face dataset repository is one), with a
tag equal to its version, so that ``load_dataset(REPO, "ner", revision=VERSION)`` returns
exactly that release. The branch holds the newest release; every version stays in its tag.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from khabar.errors import ReleaseError
from khabar.release.check import check


def _git(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env)


def _ok(result: subprocess.CompletedProcess[str], what: str) -> str:
    if result.returncode != 0:
        message = (result.stderr or result.stdout).strip().splitlines()
        raise ReleaseError(f"git failed while {what}: {message[-1] if message else result.returncode}")
    return result.stdout.strip()


def publish(release_dir: Path, remote: str, *, branch: str = "main") -> str:
    """Push ``release_dir`` to ``remote`` as a commit on ``branch`` tagged with its version.

    Refuses a release that fails ``release check`` and a version the remote already has.
    Returns the commit id.
    """
    problems = check(release_dir)
    if problems:
        raise ReleaseError(
            f"{release_dir} fails its check: {problems[0]}",
            hint="publish only intact releases; `khabar release check` lists the problems",
        )
    version = json.loads((release_dir / "manifest.json").read_text(encoding="utf-8"))["version"]
    tags = _ok(_git(["ls-remote", "--tags", remote, f"refs/tags/{version}"]), f"reading the tags of {remote}")
    if tags:
        raise ReleaseError(
            f"{remote} already has version {version}", hint="a published version never changes; cut a new one"
        )
    with tempfile.TemporaryDirectory(prefix="khabar-publish-") as tmp:
        work = Path(tmp) / "repo"
        heads = _ok(_git(["ls-remote", "--heads", remote, branch]), f"reading the branches of {remote}")
        if heads:
            _ok(_git(["clone", "--quiet", "--branch", branch, remote, str(work)]), f"cloning {remote}")
        else:
            work.mkdir()
            _ok(_git(["init", "--quiet", "--initial-branch", branch], cwd=work), "starting a repository")
        for item in work.iterdir():  # the branch shows the newest release only
            if not item.name.startswith(".git"):  # .git, and .gitattributes (git-lfs rules)
                shutil.rmtree(item) if item.is_dir() else item.unlink()
        shutil.copytree(release_dir, work, dirs_exist_ok=True)
        identity: list[str] = []
        if not _git(["config", "user.email"], cwd=work).stdout.strip():
            identity = ["-c", "user.name=khabar", "-c", "user.email=khabar@localhost"]
        _ok(_git(["add", "--all"], cwd=work), "adding the release")
        _ok(
            _git([*identity, "commit", "--quiet", "--allow-empty", "-m", f"Release {version}"], cwd=work),
            "committing",
        )
        _ok(_git([*identity, "tag", "-a", version, "-m", f"Release {version}"], cwd=work), "tagging")
        _ok(
            _git(["push", "--quiet", remote, f"HEAD:refs/heads/{branch}", f"refs/tags/{version}"], cwd=work),
            f"pushing to {remote}",
        )
        return _ok(_git(["rev-parse", "HEAD"], cwd=work), "reading the commit")
