"""The command line: a thin layer over ``khabar.workflow`` and the stages.

Every command finds its project from the current folder upward, or takes --project.
A :class:`~khabar.errors.KhabarError` becomes one ``error:`` line and a ``hint:`` line
on stderr and exit status 1; a traceback means a bug in khabar.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer
from rich.console import Console
from typer.core import TyperGroup

from khabar import __version__, iob, project, studio
from khabar.engine import Engine
from khabar.errors import DISK_ERRNOS, KhabarError, WriteError
from khabar.ingest import ConllOptions
from khabar.model import STATUSES
from khabar.store import atomic_write

if TYPE_CHECKING:
    from khabar import diff, learning, publish, review, workflow
    from khabar import release as releases
else:
    # The stages behind a command import datasets, pyarrow, matplotlib and the Label Studio
    # SDK (1.5 s): loaded when a command first uses them, so `--help` answers at once.
    def _lazy(name: str) -> ModuleType:
        spec = importlib.util.find_spec(name)
        loader = importlib.util.LazyLoader(spec.loader)
        spec.loader = loader
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        loader.exec_module(module)
        return module

    diff, learning, publish, releases, review, workflow = (
        _lazy(f"khabar.{name}") for name in ("diff", "learning", "publish", "release", "review", "workflow")
    )

app = typer.Typer(
    help="khabar: build an annotated Arabic news corpus and publish it as versioned datasets.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

F = TypeVar("F", bound=Callable[..., Any])

ProjectDir = Annotated[
    Path | None,
    typer.Option(
        "--project",
        "-P",
        help="Project folder (default: found from the current folder upward).",
        file_okay=False,
    ),
]
Workers = Annotated[
    int, typer.Option("--workers", "-w", min=1, help="Worker processes (over shards of the corpus).")
]
Scheduler = Annotated[
    str | None,
    typer.Option(
        help="Run on Dask: a scheduler address (tcp://host:8786), or `local` for a LocalCluster "
        "of --workers processes. Workers must see the project folder at the same path."
    ),
]

Labels = Annotated[
    str | None,
    typer.Option(
        "--labels",
        help="Score only these entity labels, e.g. PER,GPE,ORG for a corpus that annotates no others.",
    ),
]


def engine(workers: int, scheduler: str | None) -> Engine:
    return Engine(workers=workers, scheduler=scheduler)


class DefaultCommandGroup(TyperGroup):
    """A group whose first argument, when it names no subcommand, goes to its default command
    (``khabar release 1.0.0`` cuts a release; ``khabar release check DIR`` checks one)."""

    default = "cut"

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args.insert(0, self.default)
        return super().resolve_command(ctx, args)


release_app = typer.Typer(
    cls=DefaultCommandGroup,
    help="Cut a release (khabar release VERSION), check one, or compare two.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(release_app, name="release")

studio_app = typer.Typer(
    help="Run the project's local Label Studio (khabar studio = khabar studio start).",
    invoke_without_command=True,
    rich_markup_mode=None,
)
app.add_typer(studio_app, name="studio")


def command(group: typer.Typer = app, name: str | None = None, hidden: bool = False) -> Callable[[F], F]:
    """Register a command whose KhabarErrors become a one-line message and exit status 1."""

    def register(fn: F) -> F:
        @functools.wraps(fn)
        def run(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except KhabarError as error:
                fail(error)
            except OSError as error:  # a disk that is full or read-only, met outside the store
                if error.errno not in DISK_ERRNOS:
                    raise
                where = error.filename or "a file"
                fail(
                    WriteError(
                        f"cannot write {where}: {error.strerror}", hint="free space or fix permissions"
                    )
                )

        group.command(name=name, hidden=hidden)(run)
        return fn

    return register


def fail(error: KhabarError) -> None:
    err.print(f"error: {error.message}", markup=False)
    if error.hint:
        err.print(f"hint: {error.hint}", markup=False)
    raise typer.Exit(1)


def here(path: Path | None) -> project.Project:
    return project.load(path) if path is not None else project.find()


def _entity_labels(made: project.Project, text: str | None) -> frozenset[str] | None:
    """``PER,GPE,ORG`` as a set of the scheme's entity labels (None: all of them)."""
    if text is None:
        return None
    known = made.scheme().entity_labels
    given = frozenset(part.strip() for part in text.split(",") if part.strip())
    unknown = sorted(given - set(known))
    if unknown or not given:
        raise KhabarError(
            f"--labels: {', '.join(unknown) or 'no label'} is not an entity label of the scheme",
            hint=f"the scheme's entity labels: {', '.join(known)}",
        )
    return given


@command()
def init(
    directory: Annotated[Path, typer.Argument(help="Folder of the new project (created if missing).")],
    name: Annotated[str | None, typer.Option(help="Project name (default: the folder name).")] = None,
) -> None:
    """Create a corpus project: khabar.toml, corpus/, annotations/, schemas/ with the default scheme.

    Example:  khabar init my-corpus
    """
    made = project.init(directory, name)
    review.write_config(made)
    out.print(f"created project {made.name!r} in {made.root}")
    out.print(f"next: put articles in {made.root / 'sources'} and run `khabar build` there")


@command()
def ingest(
    paths: Annotated[
        list[Path], typer.Argument(help=".txt articles, .jsonl/.json interchange files, or folders.")
    ],
    replace: Annotated[
        bool, typer.Option("--replace", help="Replace a document whose text changed.")
    ] = False,
    source: Annotated[str | None, typer.Option(help="Source name for articles that have none.")] = None,
    fmt: Annotated[
        str, typer.Option("--format", help="auto (by file type) or conll (IOB columns).")
    ] = "auto",
    tag_map: Annotated[str | None, typer.Option(help="conll: map tags, e.g. PERS=PER,LOC=GPE,MISC=")] = None,
    iob1: Annotated[bool, typer.Option("--iob1", help="conll: the file is IOB1 (I- starts spans).")] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="conll: refuse a document with any issue.")
    ] = False,
    sentences: Annotated[
        int, typer.Option(help="conll: sentences per document when the file marks none.")
    ] = 20,
    workers: Workers = 1,
    scheduler: Scheduler = None,
    project_dir: ProjectDir = None,
) -> None:
    """Add articles to the corpus. The same article again changes nothing.

    Example:  khabar ingest articles/ gold.jsonl --source aljazeera
              khabar ingest --format conll ANERCorp.txt --tag-map PERS=PER,LOC=GPE,MISC=
    """
    if fmt not in ("auto", "conll"):
        raise KhabarError(f"unknown format {fmt!r}", hint="formats: auto, conll")
    conll = None
    if fmt == "conll":
        conll = ConllOptions(iob.parse_tag_map(tag_map), iob1, strict, sentences)
    report = workflow.ingest_paths(
        here(project_dir),
        paths,
        replace=replace,
        source=source,
        conll=conll,
        engine=engine(workers, scheduler),
    )
    for note in report.notes[:50]:
        out.print(f"note: {note}", markup=False)
    if len(report.notes) > 50:
        out.print(f"note: ... and {len(report.notes) - 50} more", markup=False)
    for problem in report.problems:
        err.print(f"refused: {problem}", markup=False)
    repaired = f", {report.repaired} I- tags without B- read as B-" if report.repaired else ""
    out.print(f"ingest: {report.summary()}{repaired}")
    if report.problems:
        raise typer.Exit(1)


@command()
def preannotate(
    ids: Annotated[list[str] | None, typer.Argument(help="Document ids (default: all).")] = None,
    model: Annotated[
        str | None, typer.Option(help="Use a trained model beside the rules: latest, an id or a path.")
    ] = None,
    workers: Workers = 1,
    scheduler: Scheduler = None,
    project_dir: ProjectDir = None,
) -> None:
    """Draft entities and events for annotators (the `pre` layer), offline, from name lists,
    rules and, with --model, a model trained on the project's reviewed documents. Shards
    already drafted from the same documents are skipped: an interrupted run resumes.

    Example:  khabar preannotate --workers 4
    """
    result = workflow.preannotate_corpus(
        here(project_dir), ids=set(ids) if ids else None, model=model, engine=engine(workers, scheduler)
    )
    skipped = (
        f" ({result.skipped_shards} shards unchanged since the last run)" if result.skipped_shards else ""
    )
    out.print(
        f"preannotate: {result.documents} documents, {result.entities} entities, "
        f"{result.events} events; {result.written} layers written{skipped}"
    )


@command()
def train(
    name: Annotated[str | None, typer.Option(help="Model id (default: crf-<date>-<time>).")] = None,
    labels: Labels = None,
    folds: Annotated[
        int,
        typer.Option(
            help="Measure on k folds of all the documents instead of the test split "
            "(k more trainings; steadier scores and precision for a small project)."
        ),
    ] = 0,
    project_dir: ProjectDir = None,
) -> None:
    """Train a CRF entity tagger on the gold and reviewed documents; saved under models/.

    Example:  khabar train && khabar preannotate --model latest
              khabar train --labels PER,GPE,ORG --folds 5     # a corpus imported from ANERcorp
    """
    here_project = here(project_dir)
    made = learning.train(
        here_project,
        workflow.load_annotator(here_project),
        name=name,
        labels=_entity_labels(here_project, labels),
        folds=folds,
    )
    data = made.meta["data"]
    out.print(
        f"trained {made.meta['id']} on {data['documents']} documents, {data['sentences']} sentences, "
        f"{data['tokens']} tokens; saved in {made.path}"
    )
    scores = made.meta.get("evaluation", {})
    if scores.get("f1"):
        scored = f" ({', '.join(scores['labels'])})" if scores.get("labels") else ""
        how = f"{scores['folds']}-fold cross-validation" if scores.get("folds") else "test split"
        out.print(
            f"  on {scores['documents']} held-out documents ({how}), entity F1{scored}: "
            + ", ".join(f"{k} {v:.3f}" for k, v in scores["f1"].items())
        )
    else:
        out.print("  no document could be held out to measure it: no scores yet (try --folds 5)")


@command()
def validate(
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the report as JSON here.")
    ] = None,
    limit: Annotated[int, typer.Option("--max", help="Violations listed per rule (0: all).")] = 20,
    workers: Workers = 1,
    scheduler: Scheduler = None,
    project_dir: ProjectDir = None,
) -> None:
    """Check the whole corpus; exit 1 on any error. Lists violations by rule (document,
    offsets, rule, hint); warnings do not fail. Documents unchanged since the last run are
    not checked again.

    Example:  khabar validate --json report.json --workers 4
    """
    report = workflow.validate_corpus(here(project_dir), engine=engine(workers, scheduler))
    shown: dict[str, int] = {}
    for violation in report.violations:
        shown[violation.rule] = shown.get(violation.rule, 0) + 1
        if limit and shown[violation.rule] > limit:
            continue
        (out if violation.severity == "warning" else err).print(str(violation), markup=False)
    for line in report.grouped():
        out.print(f"  {line}", markup=False)
    if json_out is not None:
        atomic_write(json_out, report.to_json() + "\n")
    counts = ", ".join(f"{rule} {n}" for rule, n in report.counts().items())
    out.print(
        f"validate: {report.documents} documents, {len(report.errors)} errors, "
        f"{len(report.warnings)} warnings" + (f" ({counts})" if counts else "")
    )
    if not report.ok:
        raise typer.Exit(1)


@command(release_app, name="cut")
def release(
    version: Annotated[str, typer.Argument(help="Release version, for example 1.0.0.")],
    out_dir: Annotated[Path | None, typer.Option("--out", help="Parent folder (default: build/).")] = None,
    allow_unreviewed: Annotated[
        bool,
        typer.Option(
            "--allow-unreviewed", help="Release documents that only have machine drafts; the card says so."
        ),
    ] = False,
    allow_dirty: Annotated[
        bool, typer.Option("--allow-dirty", help="Release although the corpus has uncommitted changes.")
    ] = False,
    workers: Workers = 1,
    scheduler: Scheduler = None,
    project_dir: ProjectDir = None,
) -> None:
    """Validate and write release VERSION: CoNLL-U, parquet + dataset card, manifest.

    Example:  khabar release 1.0.0 --workers 4   (the same as: khabar release cut 1.0.0 ...)
    """
    made = workflow.release_corpus(
        here(project_dir),
        version,
        out=out_dir,
        allow_unreviewed=allow_unreviewed,
        allow_dirty=allow_dirty,
        engine=engine(workers, scheduler),
    )
    _print_release(made)


def _print_release(made: releases.Release) -> None:
    out.print(f"release {made.info.version} written to {made.path}")
    for split, stats in made.stats.items():
        if stats.documents:
            c = stats.counts()
            out.print(
                f"  {split}: {c['documents']} documents, {c['sentences']} sentences, "
                f"{c['tokens']} tokens, {c['entities']} entities, {c['events']} events"
            )
    out.print(f"  load it with: datasets.load_dataset({str(made.path)!r}, 'ner')")


@command(release_app, name="check")
def check(
    release_dir: Annotated[
        Path, typer.Argument(help="A release folder (with manifest.json).", file_okay=False)
    ],
) -> None:
    """Verify a release against its manifest: every file present, unchanged, listed.

    Example:  khabar release check build/1.0.0
    """
    problems = releases.check(release_dir)
    for problem in problems:
        err.print(f"error: {release_dir}: {problem}", markup=False)
    if problems:
        raise typer.Exit(1)
    out.print(f"check: {release_dir} matches its manifest")


@command(release_app, name="diff")
def release_diff(
    old: Annotated[Path, typer.Argument(help="The older release folder.", file_okay=False)],
    new: Annotated[Path, typer.Argument(help="The newer release folder.", file_okay=False)],
    limit: Annotated[int, typer.Option("--max", help="Changes listed (0: all).")] = 0,
) -> None:
    """What changed between two releases: documents, spans, events, counts per label.

    Example:  khabar release diff build/1.0.0 build/1.1.0
    """
    for folder in (old, new):
        if not (folder / "manifest.json").is_file():
            raise KhabarError(f"{folder} is not a release (no manifest.json)")
    result = diff.diff(diff.load(old), diff.load(new))
    out.print(result.markdown(limit=limit or 10**9), markup=False)
    if result.moved_split:
        raise typer.Exit(1)


@command(name="publish")
def publish_command(
    release_dir: Annotated[
        Path, typer.Argument(help="A release folder (with manifest.json).", file_okay=False)
    ],
    to: Annotated[
        str, typer.Option("--to", help="The git remote: a path, an URL, a Hugging Face dataset repo.")
    ],
    branch: Annotated[str, typer.Option(help="The branch that shows the newest release.")] = "main",
) -> None:
    """Push a checked release to a git remote with a tag equal to its version.

    Example:  khabar publish build/1.0.0 --to git@example.org:team/arabic-news.git
    """
    commit = publish.publish(release_dir, to, branch=branch)
    out.print(f"published {release_dir.name} to {to} (commit {commit[:12]}, tag {release_dir.name})")
    out.print(
        f"  load it with: datasets.load_dataset(<the repository>, 'ner', revision={release_dir.name!r})"
    )


@command()
def export(
    fmt: Annotated[
        str, typer.Option("--format", help="Output format (jsonl: the interchange format).")
    ] = "jsonl",
    layer: Annotated[str | None, typer.Option(help="Layer name (default: the most trusted layer).")] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Output file (default: stdout).")
    ] = None,
    project_dir: ProjectDir = None,
) -> None:
    """Write the corpus in the interchange format of GUIDELINES.md.

    Example:  khabar export --format jsonl --layer gold -o gold.jsonl
    """
    if fmt != "jsonl":
        raise KhabarError(f"unknown format {fmt!r}", hint="formats: jsonl")
    here_project = here(project_dir)
    if output is None:
        for record in workflow.export_records(here_project, layer):
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        return
    n = workflow.export_jsonl(here_project, output, layer)
    out.print(f"export: {n} documents written to {output}")


@command(name="evaluate")
def evaluate_command(
    gold: Annotated[
        Path | None, typer.Option(help="Gold annotations in the interchange format (.jsonl/.json).")
    ] = None,
    layer: Annotated[str, typer.Option(help="The layer to score (pre, review:<annotator>, ...).")] = "pre",
    split: Annotated[
        bool,
        typer.Option("--split", help="Score rules, model and both on held-out human-annotated documents."),
    ] = False,
    folds: Annotated[
        int, typer.Option(help="k-fold cross-validation instead of the test split (implies --split).")
    ] = 0,
    ignore_proclitics: Annotated[
        bool, typer.Option("--ignore-proclitics", help="A leading و ف ب ك ل difference is no error.")
    ] = False,
    labels: Labels = None,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the figures as JSON here.")
    ] = None,
    errors: Annotated[bool, typer.Option("--errors/--no-errors", help="List every error.")] = True,
    project_dir: ProjectDir = None,
) -> None:
    """Score a layer against gold: precision, recall, F1 per label (exact and partial), errors.
    With --split, train on part of the project's human-annotated documents and score the
    rest: rules alone, the model alone, both.

    Example:  khabar evaluate --gold sources/seed-0001.json --layer pre
              khabar evaluate --folds 5 --labels PER,GPE,ORG --ignore-proclitics
    """
    here_project = here(project_dir)
    scored = _entity_labels(here_project, labels)
    split = split or folds > 1
    if split and gold is not None:
        raise KhabarError(
            "--gold scores a layer against a file, --split and --folds train and score a model: give one"
        )
    if split:
        out.print(
            (f"{folds}-fold cross-validation" if folds > 1 else "the test split")
            + " of the human-annotated documents; exact entity spans"
            + (", a leading proclitic ignored" if ignore_proclitics else "")
            + (f", {', '.join(sorted(scored))} only" if scored is not None else "")
        )
        results = learning.cross_validate(
            here_project,
            workflow.load_annotator(here_project),
            folds=folds,
            ignore_proclitics=ignore_proclitics,
            labels=scored,
        )
        for name, result in results.items():
            overall = result.exact.get("overall")
            if overall:
                out.print(
                    f"{name:9} P {overall.precision:.3f} R {overall.recall:.3f} F1 {overall.f1:.3f}   "
                    + ", ".join(f"{k} {v.f1:.2f}" for k, v in result.exact.items() if k != "overall")
                )
        if json_out is not None:
            atomic_write(
                json_out,
                json.dumps(
                    {k: json.loads(v.to_json()) for k, v in results.items()}, ensure_ascii=False, indent=1
                )
                + "\n",
            )
        return
    if gold is None:
        raise KhabarError("say what to score against: --gold FILE, or --split")
    result = workflow.evaluate_layer(
        here_project, gold, layer, ignore_proclitics=ignore_proclitics, labels=scored
    )
    out.print(f"entities of layer {layer!r} against {gold} ({result.documents} documents)")
    out.print(f"{'label':10} {'P':>6} {'R':>6} {'F1':>6}   {'partial F1':>10}   {'gold':>5}")
    for label, score in result.exact.items():
        part = result.partial.get(label)
        out.print(
            f"{label:10} {score.precision:6.3f} {score.recall:6.3f} {score.f1:6.3f}   "
            f"{part.f1 if part else 0:10.3f}   {score.tp + score.fn:5d}"
        )
    if result.events:
        out.print("events")
        for name, score in result.events.items():
            out.print(f"  {name:26} P {score.precision:.3f} R {score.recall:.3f} F1 {score.f1:.3f}")
        if result.realis_accuracy is not None:
            out.print(f"  realis accuracy on matched triggers: {result.realis_accuracy:.3f}")
    if result.unscored_events:
        out.print(f"events: not scored, the gold has none (the layer has {result.unscored_events})")
    if errors:
        for error in result.errors:
            out.print(str(error), markup=False)
    if json_out is not None:
        atomic_write(json_out, result.to_json() + "\n")


@command()
def build(project_dir: ProjectDir = None) -> None:
    """Ingest the project's sources, pre-annotate, validate and release a snapshot into build/.

    Example:  khabar build
    """
    result = workflow.build(here(project_dir))
    out.print(f"ingest: {result.ingest.summary()}")
    for problem in result.ingest.problems:
        err.print(f"refused: {problem}", markup=False)
    p = result.preannotate
    out.print(f"preannotate: {p.documents} documents, {p.entities} entities, {p.events} events")
    out.print(
        f"validate: {result.report.documents} documents, {len(result.report.errors)} errors, "
        f"{len(result.report.warnings)} warnings"
    )
    if result.release is None:
        out.print(f"release: unchanged since the last build, already at {result.path}")
    else:
        _print_release(result.release)


@studio_app.callback()
def studio_default(ctx: typer.Context) -> None:
    """Run the project's local Label Studio.

    Example:  khabar studio
    """
    if ctx.invoked_subcommand is None:
        try:
            _start(None, 8080)
        except KhabarError as error:
            fail(error)


def _start(project_dir: Path | None, port: int) -> None:
    here_project = here(project_dir)
    out.print("starting Label Studio (the first start installs it and takes a few minutes) ...")
    server = review.start_local(here_project, port)
    out.print(f"Label Studio is running at {server.url}")
    out.print(f"  user:     {server.username}")
    out.print(f"  password: in {server.password_file}")
    out.print(f"  API token (khabar uses it): in {server.token_file}")
    out.print(f"  log: {server.log_file}; stop it with `khabar studio stop`")


@command(studio_app, name="start")
def studio_start(
    port: Annotated[int, typer.Option(help="First port to try (the next free one is used).")] = 8080,
    project_dir: ProjectDir = None,
) -> None:
    """Start the project's local Label Studio (loopback only, data in .khabar/studio) and wait for it.

    Example:  khabar studio start --port 8080
    """
    _start(project_dir, port)


@command(studio_app, name="stop")
def studio_stop(project_dir: ProjectDir = None) -> None:
    """Stop the project's local Label Studio.

    Example:  khabar studio stop
    """
    stopped = studio.stop(review.studio_home(here(project_dir)))
    out.print("Label Studio stopped" if stopped else "no local Label Studio was running")


@command(studio_app, name="status")
def studio_status(project_dir: ProjectDir = None) -> None:
    """Say whether the project's local Label Studio runs, and where.

    Example:  khabar studio status
    """
    server = studio.status(review.studio_home(here(project_dir)))
    out.print(f"running at {server.url} (pid {server.pid})" if server else "not running")


@command(studio_app, name="config")
def studio_config(
    check_only: Annotated[bool, typer.Option("--check", help="Only check that the file is current.")] = False,
    project_dir: ProjectDir = None,
) -> None:
    """Write schemas/labelstudio.xml, the labeling config generated from schemas/scheme.yaml.

    Example:  khabar studio config --check
    """
    here_project = here(project_dir)
    if check_only:
        if not review.config_is_current(here_project):
            raise KhabarError(
                f"{review.config_path(here_project)} is not what the scheme generates",
                hint="run `khabar studio config` and commit the file",
            )
        out.print(f"{review.config_path(here_project)} is current")
        return
    out.print(f"wrote {review.write_config(here_project)}")


@command()
def push(
    ids: Annotated[list[str] | None, typer.Argument(help="Document ids (default: all).")] = None,
    status: Annotated[
        str | None, typer.Option(help="Only documents in this status: " + ", ".join(STATUSES) + ".")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="At most this many documents.")] = None,
    uncertain_first: Annotated[
        str | None,
        typer.Option(
            "--uncertain-first", help="Order by a model's doubt, most uncertain first: latest or an id."
        ),
    ] = None,
    project_dir: ProjectDir = None,
) -> None:
    """Send documents to Label Studio as tasks, with their drafts as predictions. Safe to repeat:
    no duplicate task, and human annotations are never touched.

    Example:  khabar push --status pre --limit 200 --uncertain-first latest
    """
    report = review.push(
        here(project_dir),
        ids=set(ids) if ids else None,
        status=status,
        limit=limit,
        uncertain_first=uncertain_first,
    )
    for problem in report.failed:
        err.print(f"not pushed: {problem}", markup=False)
    for problem in report.unknown:
        err.print(f"unknown whether pushed: {problem}", markup=False)
    out.print(
        f"push: {report.new} new tasks, {report.updated} drafts updated, {report.unchanged} unchanged, "
        f"{report.skipped_annotated} kept as annotated"
    )
    if report.failed or report.unknown:
        err.print(
            "hint: run `khabar push` again to finish: it lists the project's tasks first and creates "
            "only the missing ones, so no document is sent twice",
            markup=False,
        )
        raise typer.Exit(1)


@command()
def pull(
    since: Annotated[
        str | None, typer.Option(help="Only annotations changed since this ISO date/time.")
    ] = None,
    project_dir: ProjectDir = None,
) -> None:
    """Bring annotators' work back as review layers, checked and snapped to the guidelines.

    Example:  khabar pull --since 2026-11-01
    """
    report = review.pull(here(project_dir), since=since)
    for change in report.changes:
        out.print(f"snapped: {change}", markup=False)
    for question in report.questions:
        out.print(f"question: {question}", markup=False)
    for refusal in report.refused:
        err.print(f"refused: {refusal}", markup=False)
    out.print(
        f"pull: {report.annotations} annotations, {report.written} review layers written, "
        f"{report.unchanged} unchanged, {len(report.refused)} refused, "
        f"{len(report.questions)} questions for the curator"
    )
    if report.refused:
        raise typer.Exit(1)


@command()
def doctor(
    quarantine: Annotated[
        bool,
        typer.Option(
            "--quarantine", help="Move broken lines into .khabar/quarantine/ and keep the rest of each file."
        ),
    ] = False,
    project_dir: ProjectDir = None,
) -> None:
    """Find broken lines in the store (cut short, not JSON, stored twice) as file:line;
    exit 1 if there are any. With --quarantine, set them aside so every command reads the
    rest; nothing is deleted.

    Example:  khabar doctor --quarantine
    """
    from khabar import doctor as doctors

    made = here(project_dir)
    if quarantine:
        moved, folder = doctors.quarantine(made)
        for finding in moved:
            out.print(f"quarantined: {finding}", markup=False)
        out.print(f"doctor: {len(moved)} broken lines moved" + (f" to {folder}" if folder else ""))
        if moved:
            out.print(
                "next: `khabar validate`; mend a quarantined line by hand and ingest it again", markup=False
            )
        return
    findings = doctors.examine(made)
    for finding in findings:
        err.print(f"broken: {finding}", markup=False)
    out.print(f"doctor: {len(findings)} broken lines")
    if findings:
        err.print(
            "hint: restore the files from git, or run `khabar doctor --quarantine` to set the lines aside",
            markup=False,
        )
        raise typer.Exit(1)


@command(name="status")
def status_command(project_dir: ProjectDir = None) -> None:
    """Count documents by status: pre, in review, reviewed, adjudicated.

    Example:  khabar status
    """
    counts = review.statuses(here(project_dir))
    out.print(", ".join(f"{name}: {counts.get(name, 0)}" for name in STATUSES))


@command(name="agreement")
def agreement_command(
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the figures as JSON here.")
    ] = None,
    project_dir: ProjectDir = None,
) -> None:
    """Agreement between annotators: span F1, Cohen's kappa on tokens and per label, events.

    Example:  khabar agreement --json agreement.json
    """
    pairs = review.agreement_report(here(project_dir))
    if not pairs:
        out.print("agreement: no document was reviewed by two annotators")
    for p in pairs:
        out.print(
            f"{p.a} / {p.b}: {p.documents} documents, entity F1 {p.entity_f1:.3f}, "
            f"token kappa {p.token_kappa:.3f}, trigger F1 {p.trigger_f1:.3f}, "
            f"argument F1 {p.argument_f1:.3f}"
        )
        out.print("  kappa per label: " + ", ".join(f"{k} {v:.3f}" for k, v in p.label_kappa.items()))
    if json_out is not None:
        atomic_write(json_out, json.dumps([asdict(p) for p in pairs], indent=1) + "\n")


@command(name="adjudicate")
def adjudicate_command(
    prefer: Annotated[
        str | None, typer.Option(help="Settle disagreements with this annotator's version.")
    ] = None,
    report_out: Annotated[
        Path | None, typer.Option("--report", help="Write the disagreements here (JSON).")
    ] = None,
    project_dir: ProjectDir = None,
) -> None:
    """Merge several reviews of a document into one adjudicated layer: agreement wins,
    disagreements are listed for a curator.

    Example:  khabar adjudicate --report disagreements.json
    """
    written, disagreements = review.adjudicate(here(project_dir), prefer=prefer)
    for d in disagreements:
        out.print(f"disagreement: {d}", markup=False)
    out.print(f"adjudicate: {written} documents, {len(disagreements)} disagreements")
    if report_out is not None:
        rows = [asdict(d) for d in disagreements]
        atomic_write(report_out, json.dumps(rows, ensure_ascii=False, indent=1) + "\n")


def version_callback(value: bool) -> None:
    if value:
        out.print(f"khabar {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=version_callback, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """khabar: build an annotated Arabic news corpus and publish it as versioned datasets."""


def main() -> None:
    app()
