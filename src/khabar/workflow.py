"""The stages applied to a project: what each CLI command does, as library functions.

Each function takes a :class:`~khabar.project.Project` and returns a result object;
the CLI only parses arguments and prints. ``build`` chains the stages for a corpus.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from khabar import __version__, agreement, diff, learning, preannotate, release, shards, units
from khabar.cache import UnitCache
from khabar.engine import Engine, Failed, failures, long_lived
from khabar.errors import InputError, KhabarError, ReleaseError
from khabar.evaluate import Evaluation, evaluate
from khabar.ingest import ConllOptions, IngestReport, Problem, ingest
from khabar.ingest import read as read_sources
from khabar.interchange import to_record
from khabar.model import best_layer, created_now
from khabar.project import Project, writes
from khabar.store import Store, atomic_write, dumps
from khabar.validate import Report


@writes
def ingest_paths(
    project: Project,
    paths: Iterable[Path],
    *,
    replace: bool = False,
    source: str | None = None,
    conll: ConllOptions | None = None,
    engine: Engine | None = None,
) -> IngestReport:
    return ingest(
        project.store(),
        project.scheme(),
        paths,
        replace_changed=replace,
        source=source,
        conll=conll,
        engine=engine,
        spill=project.state_dir,
    )


@dataclass(frozen=True, slots=True)
class PreannotateResult:
    documents: int
    written: int
    entities: int
    events: int
    skipped_shards: int = 0


def load_annotator(project: Project) -> preannotate.Annotator:
    """The pre-annotator with the project's own name lists (``gazetteers/*.yaml``) added."""
    return preannotate.Annotator.load(project.scheme().entity_labels, project.root / "gazetteers")


@writes
def preannotate_corpus(
    project: Project, *, ids: set[str] | None = None, model: str | None = None, engine: Engine | None = None
) -> PreannotateResult:
    """Write the ``pre`` layer of every document (or of ``ids``); unchanged drafts stay as they are.

    Shards go to the engine's workers; each shard's drafts file is rewritten once, only if
    a draft changed. A shard already drafted from the same documents by the same
    annotator (a stamp in the project's cache) is skipped, so an interrupted run resumes
    where it stopped. Human layers are not touched.
    """
    engine = engine or Engine()
    store = project.store()
    annotator = load_annotator(project)
    model_path = None
    if model is not None:
        trained = learning.resolve(project, model)
        annotator = annotator.with_model(trained)
        model_path = str(trained.path.resolve())
    root = str(project.root)
    shards.remember(root, model_path, annotator)
    created = created_now()
    wanted = frozenset(ids) if ids is not None else None
    cache = unit_cache(project)
    tasks = []
    skipped = 0
    for shard in store.shards():
        if wanted is None and cache.has_stamp(_draft_stamp(store, shard, annotator.version)):
            skipped += 1
            continue
        tasks.append(shards.DraftTask(root, shard, model_path, created, wanted))
    failed: list[Failed] = []  # (results are written as they come, not kept)
    documents = written = entities = events = 0
    seen: set[str] = set()
    try:
        with long_lived():
            for finished in engine.map(
                shards.draft_shard,
                tasks,
                description="Pre-annotating",
                total=sum(store.shard_size(task.shard) for task in tasks),
                weight=lambda task: store.shard_size(task.shard),
            ):
                result = finished.result
                if isinstance(result, Failed):
                    failed.append(result)
                    continue
                if result.text is not None:
                    store.write_drafts_text(result.shard, result.text)
                if wanted is None:
                    cache.put_stamp(_draft_stamp(store, result.shard, annotator.version))
                documents += result.documents
                written += result.written
                entities += result.entities
                events += result.events
                seen |= result.seen
    finally:
        cache.close()
    if (error := failures(failed, "shards")) is not None:
        raise error
    if wanted is not None and wanted - seen:
        missing = sorted(wanted - seen)
        raise KhabarError(f"no such document: {', '.join(missing[:5])}", hint="`khabar export` lists the ids")
    return PreannotateResult(documents, written, entities, events, skipped)


def _draft_stamp(store: Store, shard: str, version: str) -> str:
    digest = hashlib.sha256(f"drafts\0{version}\0".encode())
    for data in store.shard_bytes(shard):
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


def unit_cache(project: Project) -> UnitCache:
    """The project's cache of per-document results (``.khabar/cache.sqlite``)."""
    return UnitCache(project.state_dir / "cache.sqlite")


def validate_corpus(project: Project, *, engine: Engine | None = None) -> Report:
    """Check the whole corpus; documents unchanged since the last run are not checked again."""
    cache = unit_cache(project)
    try:
        found = units.collect(project.store(), project.scheme(), cache, engine=engine)
        return units.report([summary for _, summary in found])
    finally:
        cache.close()


def evaluate_layer(
    project: Project,
    gold_path: Path,
    layer_name: str = "pre",
    *,
    ignore_proclitics: bool = False,
    labels: Collection[str] | None = None,
) -> Evaluation:
    """Score the layer ``layer_name`` of the corpus against an interchange gold file (only
    entities of ``labels``, when given)."""
    scheme = project.scheme()
    store = project.store()
    pairs = []
    for found in read_sources([gold_path], scheme):
        if isinstance(found, Problem):
            raise InputError(str(found))
        if found.gold is None:
            raise InputError(f"{found.where}: the gold record has no entities or events")
        doc = store.document(found.doc.id)
        if doc is None:
            raise InputError(
                f"{found.where}: document {found.doc.id!r} is not in the corpus",
                hint="ingest the gold file first: `khabar ingest FILE`",
            )
        if doc.sha256 != found.doc.sha256:
            raise InputError(f"{found.where}: document {doc.id!r} has another text in the corpus")
        layer = next((x for x in store.layers(doc.id) if x.name == layer_name), None)
        pairs.append((doc, layer, found.gold))
    if not pairs:
        raise InputError(f"{gold_path}: no gold documents")
    return evaluate(pairs, ignore_proclitics=ignore_proclitics, labels=labels)


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
    cache = unit_cache(project)
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


def export_records(project: Project, layer_name: str | None = None) -> Iterator[dict[str, Any]]:
    """Interchange records of every document, with ``layer_name`` or the best layer."""
    for doc, layers in project.store().items():
        if layer_name is None:
            layer = best_layer(layers)
        else:
            layer = next((x for x in layers if x.name == layer_name), None)
        yield to_record(doc, layer)


def export_jsonl(project: Project, out: Path, layer_name: str | None = None) -> int:
    lines = [dumps(r) + "\n" for r in export_records(project, layer_name)]
    atomic_write(out, "".join(lines))
    return len(lines)


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
        problems = release.check(target)
        if problems:
            raise ReleaseError(
                f"{target} exists but does not match its manifest: {problems[0]}",
                hint=f"delete {target} and build again",
            )
        return BuildResult(ingested, drafted, report, None, target)
    made = release_corpus(project, version, allow_unreviewed=True, allow_dirty=True)
    return BuildResult(ingested, drafted, report, made, made.path)
