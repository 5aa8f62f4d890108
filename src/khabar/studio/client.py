"""The Label Studio API client: projects, tasks and drafts pushed, annotations pulled.

Human work is never overwritten: Label Studio has no upsert, so khabar keys tasks by
``data.doc_id``, checks ``data.sha256`` against the document, and replaces only its own
predictions. What goes into a task and what comes back out is ``khabar.formats.labelstudio``.

This is the only module that imports label_studio_sdk.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from khabar.corpus.model import Document, Layer
from khabar.corpus.scheme import Scheme
from khabar.errors import StudioError
from khabar.formats.labelstudio import (
    TEXT,
    instructions,
    label_config,
    prediction,
    task,
    task_data,
    task_meta,
    task_part,
)
from khabar.formats.labelstudio_parts import Part, part_document, part_layer, split
from khabar.studio.json_stream import spilled_items

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
    tasks: dict[str, int] = field(default_factory=dict)  # doc id -> task id (its first part's)
    link: str = ""  # the project's page of tasks in Label Studio


@dataclass(frozen=True, slots=True)
class RemoteAnnotation:
    doc_id: str
    task: int
    annotation: int
    annotator: str
    updated: str
    sha256: str | None  # of the document the task was made from
    results: list[dict[str, Any]]
    part: Part  # the characters of the document the task holds
    text_sha256: str  # of the task's text as the server holds it


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

    def members(self) -> list[str]:
        """The e-mail addresses of the organization's users (lower case)."""
        users = self._call("listing users", lambda: list(self.client.users.list()))
        return [str(u.email or "").lower() for u in users]

    def invite_token(self) -> str:
        """The organization's sign-up token (what its invite link carries; admins only)."""
        invites = self.client.organizations.invites
        invite = self._call("reading the invite link", lambda: invites.get_invite_link())
        return str(invite.token)

    def set_overlap(self, project: int, annotators: int) -> None:
        """Every task of the project to be annotated by ``annotators`` people (its tasks too)."""
        self._call(
            "setting the overlap",
            lambda: self.client.projects.update(
                id=project,
                maximum_annotations=annotators,
                overlap_cohort_percentage=100,
                show_overlap_first=True,
            ),
        )

    def project(self, title: str, scheme: Scheme, guidelines: str = "") -> int:
        """The id of the project called ``title``, created or brought up to date with the scheme."""
        config = label_config(scheme)
        instruction = instructions(scheme, guidelines)
        listed = self._listed(
            "listing projects",
            lambda page: self.client.projects.list(title=title, page=page),
            lambda response: int(response.count),
        )
        found = [p for p in listed if p.title == title]
        if found:
            project = found[0]
            # the server keeps the config without its final newline; the config is sent only
            # when it changed, as the server then checks it against the project's annotations
            new = {"label_config": config} if str(project.label_config).strip() != config.strip() else {}
            if new or project.expert_instruction != instruction:
                self._call(
                    "updating the project",
                    lambda: self.client.projects.update(
                        id=project.id, **new, expert_instruction=instruction, show_instruction=True
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

    def _listed(
        self, what: str, list_page: Callable[[int], Any], total: Callable[[Any], int]
    ) -> Iterator[Any]:
        """Every item of a paged list, a page at a time. The SDK's pager asks for the page
        after the last one, which the server answers with 404 and a traceback in its log;
        the total each page reports says when to stop instead."""
        page, seen = 1, 0
        while True:
            pager = self._call(what, functools.partial(list_page, page))
            items = list(pager.items or [])
            yield from items
            seen += len(items)
            if not items or seen >= total(pager.response):
                return
            page += 1

    def tasks(self, project: int) -> dict[str, list[dict[str, Any]]]:
        """doc id -> its tasks, each {id, sha256, part, annotations, predictions, columns, meta}."""
        index: dict[str, list[dict[str, Any]]] = {}
        pages = self._listed(
            "listing tasks",
            lambda page: self.client.tasks.list(project=project, fields="all", page=page, page_size=BATCH),
            lambda response: int(response.total),
        )
        for t in pages:
            ours = _khabar_task(t)
            if ours is None:
                continue
            doc_id, sha256, part, data = ours
            index.setdefault(doc_id, []).append(
                {
                    "id": int(t.id),
                    "sha256": sha256,
                    "part": part,
                    "annotations": len([a for a in (t.annotations or []) if not _get(a, "was_cancelled")]),
                    "predictions": [
                        (int(_get(p, "id")), str(_get(p, "model_version") or ""))
                        for p in (t.predictions or [])
                    ],
                    "columns": {k: v for k, v in data.items() if k != TEXT},
                    "meta": t.meta,
                }
            )
        return index

    def push(
        self,
        project: int,
        items: Iterable[tuple[Document, Layer | None]],
        *,
        task_size: int | None = None,
        positions: Mapping[str, int] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> PushReport:
        """Create tasks for new documents (of ``task_size`` sentences each, if given) and
        refresh the drafts and columns of unannotated ones. A document pushed before keeps
        its tasks as they were cut."""
        report = PushReport()
        index = self.tasks(project)
        positions = positions or {}
        batch: list[tuple[Document, dict[str, Any]]] = []
        for doc, pre in items:
            known = index.get(doc.id)
            position = positions.get(doc.id)
            if known and any(k["sha256"] != doc.sha256 for k in known):
                annotated = [str(k["id"]) for k in known if k["annotations"]]
                if annotated:
                    report.skipped_annotated += 1  # never move the text under human work
                    report.failed.append(
                        f"{doc.id}: task {', '.join(annotated)} has annotations made on another text"
                    )
                    known = None
                    if progress:
                        progress(1)
                    continue
                for k in known:  # no human work on the old text: its tasks are made again
                    self._call("deleting a task", functools.partial(self.client.tasks.delete, id=k["id"]))
                known = None
            if known is None:
                batch += [(doc, task(doc, pre, part, position)) for part in split(doc, pre, task_size)]
                if len(batch) >= BATCH:
                    self._import(project, batch, report)
                    batch = []
            else:
                report.tasks[doc.id] = min(k["id"] for k in known)
                for k in sorted(known, key=lambda k: k["part"].index):
                    self._refresh(doc, pre, k, position, report)
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
            what = f"a batch of {len(batch)} tasks from {batch[0][0].id}"
            if isinstance(err.__cause__, httpx.HTTPError) and not isinstance(
                err.__cause__, httpx.ConnectError
            ):
                # the request went out and no answer came back: it may have been committed
                report.unknown.append(f"{what}: the connection broke before the server answered")
            else:
                report.failed.append(f"{what}: {err.message}")
            return
        for (doc, _), task_id in zip(batch, response.task_ids or [], strict=False):
            report.tasks.setdefault(doc.id, int(task_id))  # a document's first part
        report.new += len(batch)

    def _refresh(
        self,
        doc: Document,
        pre: Layer | None,
        known: dict[str, Any],
        position: int | None,
        report: PushReport,
    ) -> None:
        task_id, part = known["id"], known["part"]
        data, meta = task_data(doc, part, position), task_meta(doc, part)
        if known["columns"] != {k: v for k, v in data.items() if k != TEXT} or known["meta"] != meta:
            # the article's columns changed, or a task pushed before they existed
            self._call(
                "updating a task",
                lambda: self.client.tasks.update(id=task_id, data=data, meta=meta),
            )
        if pre is None:
            report.unchanged += 1
            return
        draft = prediction(part_document(doc, part), part_layer(doc, pre, part))
        ours = [(pid, v) for pid, v in known["predictions"] if v.startswith(f"{pre.provenance.producer}-")]
        if [v for _, v in ours] == [draft["model_version"]]:
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
        # the export spilled to disk as it comes, read back a task at a time: flat memory
        exported = spilled_items(
            lambda spill: self._call(
                "exporting the annotations",
                lambda: spill.writelines(
                    self.client.projects.exports.download_sync(
                        project, export_type="JSON", request_options={"timeout_in_seconds": 600}
                    )
                ),
            )
        )
        try:
            yield from self._exported_annotations(exported, users, since)
        except (ValueError, UnicodeDecodeError) as err:
            raise StudioError(
                f"Label Studio at {self.url}: the export of project {project} cannot be read ({err})",
                hint="run `khabar pull` again; nothing was written",
            ) from None

    def _exported_annotations(
        self, tasks: Iterator[Any], users: dict[int, str], since: str | None
    ) -> Iterator[RemoteAnnotation]:
        for t in tasks:
            ours = _khabar_task(t)
            if ours is None:
                continue
            doc_id, sha256, part, data = ours
            text = data.get(TEXT)
            seen = hashlib.sha256(text.encode("utf-8")).hexdigest() if isinstance(text, str) else ""
            for a in _get(t, "annotations") or []:
                if _get(a, "was_cancelled"):
                    continue
                updated = str(_get(a, "updated_at") or _get(a, "created_at") or "")
                if since and updated < since:
                    continue
                who = _get(a, "completed_by")
                who = who.get("id") if isinstance(who, dict) else who
                annotator = users.get(int(who), f"user{who}") if who is not None else "unknown"
                yield RemoteAnnotation(
                    doc_id,
                    int(_get(t, "id")),
                    int(_get(a, "id")),
                    annotator,
                    updated,
                    sha256,
                    list(_get(a, "result") or []),
                    part,
                    seen,
                )


def _khabar_task(t: Any) -> tuple[str, str | None, Part, dict[str, Any]] | None:
    """A task's document id, text sha256, part and data, or None for a task khabar did not push."""
    data, meta = _get(t, "data") or {}, _get(t, "meta")
    doc_id = data.get("doc_id")
    sha256, part = task_part(data, meta if isinstance(meta, dict) else None)
    if not isinstance(doc_id, str) or part is None:
        return None
    return doc_id, sha256, part, data


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
