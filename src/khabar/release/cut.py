"""Cutting a release of a project: its settings, git commit, changelog and agreement
section around :func:`khabar.release.build.build`."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from khabar.corpus.project import Project, writes
from khabar.errors import ReleaseError
from khabar.quality import agreement
from khabar.release import build as release
from khabar.release import diff
from khabar.runtime.executor import Engine


def corpus_commit(root: Path) -> tuple[str | None, bool]:
    """The git commit of the project and whether its corpus differs from it (dirty)."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--", "corpus", "annotations", "schemas"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None, False
    return head, bool(status.strip())


@writes
def release_corpus(
    project: Project,
    version: str,
    *,
    out: Path | None = None,
    allow_unreviewed: bool = False,
    allow_dirty: bool = False,
    engine: Engine | None = None,
) -> release.Release:
    commit, dirty = corpus_commit(project.root)
    if dirty and not allow_dirty:
        raise ReleaseError(
            "corpus/, annotations/ or schemas/ has uncommitted changes",
            hint="commit them so the release records its corpus, or pass --allow-dirty",
        )
    info = release.ReleaseInfo(
        name=project.name,
        version=version,
        license=str(project.setting("project", "license", "CC-BY-4.0")),
        language=str(project.setting("project", "language", "ar")),
        description=str(project.setting("project", "description", "")),
        citation=str(project.setting("project", "citation", "")),
        contact=str(project.setting("project", "contact", "")),
    )
    out = out or project.build_dir
    previous = release.latest(out)
    cache = project.cache()
    try:
        return release.build(
            project.store(),
            project.scheme(),
            out,
            info,
            percentages=project.splits(),
            allow_unreviewed=allow_unreviewed,
            corpus_commit=f"{commit}{'+dirty' if dirty else ''}" if commit else None,
            cache=cache,
            changelog=lambda staging: changelog(previous, staging, version),
            extra_card=lambda summaries: agreement_section(project, summaries),
            engine=engine,
        )
    finally:
        cache.close()


def changelog(previous: Path | None, staging: Path, version: str) -> str:
    """The CHANGELOG of a new release: what changed since the previous one, then its history."""
    if previous is None:
        return f"# Changelog\n\n## {version}\n\nThe first release.\n"
    new = diff.load(staging)
    new.version = version
    section = diff.diff(diff.load(previous), new).markdown()
    older = previous / "CHANGELOG.md"
    history = older.read_text(encoding="utf-8").removeprefix("# Changelog\n\n") if older.exists() else ""
    return f"# Changelog\n\n{section}\n{history}"


def agreement_section(project: Project, summaries: list[dict[str, Any]]) -> str:
    """Agreement between annotators on the documents several of them reviewed, for the card."""
    if not any(s.get("reviews", 0) >= 2 for s in summaries):
        return ""
    pairs = agreement.agreement(project.store().items(), project.scheme().entity_labels)
    if not pairs:
        return ""
    rows = [
        f"| {p.a} | {p.b} | {p.documents} | {p.entity_f1:.3f} | {p.token_kappa:.3f} | {p.trigger_f1:.3f} | "
        f"{p.argument_f1:.3f} |"
        for p in pairs
    ]
    return "\n".join(
        [
            "### Agreement between annotators",
            "",
            "On the documents two annotators reviewed independently, before adjudication:",
            "",
            "| annotator | annotator | documents | entity F1 | token kappa | trigger F1 | argument F1 |",
            "|---|---|---:|---:|---:|---:|---:|",
            *rows,
        ]
    )
