"""The Label Studio API client: projects, tasks and drafts pushed, annotations pulled.

Human work is never overwritten: Label Studio has no upsert, so khabar keys tasks by
``data.doc_id``, checks ``data.sha256`` against the document, and replaces only its own
predictions. What goes into a task and what comes back out is ``khabar.formats.labelstudio``.

This is the only module that imports label_studio_sdk.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from khabar.corpus.model import Document, Layer
from khabar.corpus.scheme import Scheme
from khabar.errors import StudioError
from khabar.formats.labelstudio import instructions, label_config, prediction, task, task_data

BATCH = 1000


@dataclass(frozen=True, slots=True)
class Refusal:
    """An annotation that cannot be imported, and why."""

    doc_id: str
    task: int
    annotation: int
    reason: str

    def __str__(self) -> str:
        return f"task {self.task} annotation {self.annotation} ({self.doc_id}): {self.reason}"


@dataclass
class PushReport:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped_annotated: int = 0
    failed: list[str] = field(default_factory=list)
    # batches sent when the connection broke: the server may or may not have created them
    unknown: list[str] = field(default_factory=list)
    tasks: dict[str, int] = field(default_factory=dict)  # doc id -> task id


@dataclass(frozen=True, slots=True)
class RemoteAnnotation:
    doc_id: str
    task: int
    annotation: int
    annotator: str
    updated: str
    sha256: str | None
    results: list[dict[str, Any]]


class Studio:
    """A connection to one Label Studio server."""

    def __init__(self, url: str, api_key: str, *, timeout: float = 120) -> None:
        self.url = url
        try:
            # Any: the generated SDK's types are partial (untyped calls, mixed dict/model items)
            self.client: Any = LabelStudio(  # type: ignore[no-untyped-call]
                base_url=url, api_key=api_key, timeout=timeout
            )
        except ApiError as err:
            raise _studio_error(err, url) from err

    def _call(self, what: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except ApiError as err:
            raise _studio_error(err, self.url, what) from err
        except httpx.HTTPError as err:
            raise StudioError(
                f"Label Studio at {self.url} cannot be reached while {what} ({err})",
                hint="is the server running? `khabar studio` starts the project's own",
            ) from err

    def check(self) -> str:
        """The user name the token belongs to (fails clearly on a bad url or token)."""
        user = self._call("checking the token", lambda: self.client.users.whoami())
        return str(getattr(user, "email", None) or getattr(user, "username", ""))

    def project(self, title: str, scheme: Scheme, guidelines: str = "") -> int:
        """The id of the project called ``title``, created or brought up to date with the scheme."""
        config = label_config(scheme)
        instruction = instructions(scheme, guidelines)
        found = [
            p
            for p in self._call("listing projects", lambda: list(self.client.projects.list(title=title)))
            if p.title == title
        ]
        if found:
            project = found[0]
            if project.label_config != config or project.expert_instruction != instruction:
                self._call(
                    "updating the project",
                    lambda: self.client.projects.update(
                        id=project.id,
                        label_config=config,
                        expert_instruction=instruction,
                        show_instruction=True,
                    ),
                )
            return int(project.id)
        made = self._call(
            "creating the project",
            lambda: self.client.projects.create(
                title=title,
                label_config=config,
                expert_instruction=instruction,
                show_instruction=True,
                description="Arabic news: named entities and PLOVER events, pre-annotated by khabar.",
            ),
        )
        return int(made.id)

    def tasks(self, project: int) -> dict[str, dict[str, Any]]:
        """doc id -> {id, sha256, annotations, model_versions} for every task of a project."""
        index: dict[str, dict[str, Any]] = {}

        def fetch() -> None:
            for t in self.client.tasks.list(project=project, fields="all", page_size=BATCH):
                data = t.data or {}
                doc_id = data.get("doc_id")
                if not isinstance(doc_id, str):
                    continue  # not a khabar task
                index[doc_id] = {
                    "id": int(t.id),
                    "sha256": data.get("sha256"),
                    "annotations": len([a for a in (t.annotations or []) if not _get(a, "was_cancelled")]),
                    "predictions": [
                        (int(_get(p, "id")), str(_get(p, "model_version") or ""))
                        for p in (t.predictions or [])
                    ],
                }

        self._call("listing tasks", fetch)
        return index

    def push(
        self,
        project: int,
        items: Iterable[tuple[Document, Layer | None]],
        *,
        progress: Callable[[int], None] | None = None,
    ) -> PushReport:
        """Create tasks for new documents and refresh the drafts of unannotated ones."""
        report = PushReport()
        index = self.tasks(project)
        batch: list[tuple[Document, dict[str, Any]]] = []
        for doc, pre in items:
            known = index.get(doc.id)
            if known is None:
                batch.append((doc, task(doc, pre)))
                if len(batch) >= BATCH:
                    self._import(project, batch, report)
                    batch = []
            elif known["sha256"] != doc.sha256 and known["annotations"]:
                report.skipped_annotated += 1  # never move the text under human work
                report.failed.append(f"{doc.id}: task {known['id']} has annotations made on another text")
            else:
                report.tasks[doc.id] = known["id"]
                self._refresh(doc, pre, known, report)
            if progress:
                progress(1)
        if batch:
            self._import(project, batch, report)
        return report

    def _import(self, project: int, batch: list[tuple[Document, dict[str, Any]]], report: PushReport) -> None:
        try:
            response = self._call(
                "importing tasks",
                lambda: self.client.projects.import_tasks(
                    id=project,
                    request=[record for _, record in batch],
                    return_task_ids=True,
                    request_options={"timeout_in_seconds": 600, "max_retries": 0},
                ),
            )
        except StudioError as err:
            what = f"a batch of {len(batch)} documents from {batch[0][0].id}"
            if isinstance(err.__cause__, httpx.HTTPError) and not isinstance(
                err.__cause__, httpx.ConnectError
            ):
                # the request went out and no answer came back: it may have been committed
                report.unknown.append(f"{what}: the connection broke before the server answered")
            else:
                report.failed.append(f"{what}: {err.message}")
            return
        for (doc, _), task_id in zip(batch, response.task_ids or [], strict=False):
            report.tasks[doc.id] = int(task_id)
        report.new += len(batch)

    def _refresh(self, doc: Document, pre: Layer | None, known: dict[str, Any], report: PushReport) -> None:
        task_id = known["id"]
        if known["sha256"] != doc.sha256:
            self._call(
                "updating a task",
                lambda: self.client.tasks.update(id=task_id, data=task_data(doc)),
            )
        if pre is None:
            report.unchanged += 1
            return
        draft = prediction(doc, pre)
        ours = [(pid, v) for pid, v in known["predictions"] if v.startswith(f"{pre.provenance.producer}-")]
        if known["sha256"] == doc.sha256 and [v for _, v in ours] == [draft["model_version"]]:
            report.unchanged += 1
            return
        for pid, _ in ours:  # only khabar's own older drafts; annotations are separate objects
            self._call("replacing a prediction", functools.partial(self.client.predictions.delete, id=pid))
        self._call("adding a prediction", lambda: self.client.predictions.create(task=task_id, **draft))
        report.updated += 1

    def annotations(self, project: int, *, since: str | None = None) -> Iterator[RemoteAnnotation]:
        """Every submitted annotation of the project (all annotators), newest edits included."""
        users = {
            int(u.id): str(u.email or u.username or u.id)
            for u in self._call("listing users", lambda: self.client.users.list())
        }
        tasks = self._call(
            "exporting annotations",
            lambda: self.client.projects.exports.as_json(
                project, timeout=600, create_kwargs={"task_filter_options": {"annotated": "only"}}
            ),
        )
        for t in tasks:
            data = t.get("data") or {}
            doc_id = data.get("doc_id")
            if not isinstance(doc_id, str):
                continue
            for a in t.get("annotations") or []:
                if a.get("was_cancelled"):
                    continue
                updated = str(a.get("updated_at") or a.get("created_at") or "")
                if since and updated < since:
                    continue
                who = a.get("completed_by")
                who = who.get("id") if isinstance(who, dict) else who
                annotator = users.get(int(who), f"user{who}") if who is not None else "unknown"
                yield RemoteAnnotation(
                    doc_id,
                    int(t["id"]),
                    int(a["id"]),
                    annotator,
                    updated,
                    data.get("sha256"),
                    list(a.get("result") or []),
                )


def _get(obj: Any, key: str) -> Any:
    return obj.get(key) if isinstance(obj, dict) else getattr(obj, key, None)


def _studio_error(err: ApiError, url: str, what: str = "connecting") -> StudioError:
    if err.status_code == 401:
        return StudioError(
            f"Label Studio at {url} refused the API key while {what}",
            hint="check LABEL_STUDIO_API_KEY (a personal access token or legacy token)",
        )
    if err.status_code == 404:
        return StudioError(
            f"Label Studio at {url} has no such object while {what} (it was deleted?)",
            hint="run the command again: khabar recreates what is missing",
        )
    if err.status_code is None:
        return StudioError(f"cannot use Label Studio at {url}: {err.body}")
    body = json.dumps(err.body, ensure_ascii=False)[:300] if err.body is not None else ""
    return StudioError(f"Label Studio at {url} answered {err.status_code} while {what}: {body}")
