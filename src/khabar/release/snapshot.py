"""``khabar build``: ingest the sources, pre-annotate, validate and release a snapshot
named after its content."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from khabar import __version__
from khabar.annotate.drafting import PreannotateResult, preannotate_corpus
from khabar.corpus.project import Project, writes
from khabar.errors import KhabarError, ReleaseError
from khabar.formats.ingest import IngestReport, ingest_paths
from khabar.quality.results import validate_corpus
from khabar.quality.violations import Report
from khabar.release import build as release
from khabar.release.check import check
from khabar.release.cut import release_corpus


def snapshot_version(project: Project) -> str:
    """A version named after the content it is built from: corpus, annotations, scheme, tool."""
    digest = hashlib.sha256(__version__.encode())
    for folder in (project.corpus_dir, project.annotations_dir, project.schemas_dir):
        for path in sorted(folder.rglob("*")) if folder.exists() else []:
            if path.is_file():
                digest.update(str(path.relative_to(project.root)).encode() + b"\0" + path.read_bytes())
    digest.update(json.dumps(project.config, sort_keys=True).encode())
    return f"snapshot-{digest.hexdigest()[:12]}"


@dataclass(frozen=True, slots=True)
class BuildResult:
    ingest: IngestReport
    preannotate: PreannotateResult
    report: Report
    release: release.Release | None
    path: Path


@writes
def build(project: Project) -> BuildResult:
    """Ingest the project's sources, pre-annotate, validate and release a snapshot into build/.

    The snapshot's version is a hash of its inputs: building an unchanged corpus again
    finds the release already there and checks it instead of writing it twice.
    """
    ingested = ingest_paths(project, project.sources())
    drafted = preannotate_corpus(project)
    report = validate_corpus(project)
    if not report.ok:
        raise KhabarError(
            f"the corpus does not validate ({len(report.errors)} errors; the first: {report.errors[0]})",
            hint="run `khabar validate` for the full list",
        )
    version = snapshot_version(project)
    target = project.build_dir / version
    if target.exists():
        problems = check(target)
        if problems:
            raise ReleaseError(
                f"{target} exists but does not match its manifest: {problems[0]}",
                hint=f"delete {target} and build again",
            )
        return BuildResult(ingested, drafted, report, None, target)
    made = release_corpus(project, version, allow_unreviewed=True, allow_dirty=True)
    return BuildResult(ingested, drafted, report, made, made.path)
