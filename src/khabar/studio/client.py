"""Label Studio: the labeling config, tasks and predictions out, annotations back.

The config is generated from the scheme: entity and trigger labels on one right-to-left
Text (symbol granularity, so annotators can leave a proclitic out of a span), argument
roles as relations, realis as a choice per trigger region. Drafts travel as predictions
(model version, score); human work comes back as annotations and is never overwritten:
Label Studio has no upsert and no server-side validation, so khabar keys tasks by
``data.doc_id``, checks ``data.sha256`` against the document, and checks every result.

This is the only module that imports label_studio_sdk.
"""

from __future__ import annotations

import functools
import hashlib
import html
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import quoteattr

import httpx
from label_studio_sdk import LabelStudio
from label_studio_sdk.core.api_error import ApiError

from khabar.corpus.model import Argument, Document, Event, Layer, Provenance, Span
from khabar.corpus.scheme import Scheme
from khabar.errors import StudioError

ENTITY, TRIGGER, REALIS, TEXT = "entity", "trigger", "realis", "text"
BATCH = 1000


# --- the labeling config ------------------------------------------------------------------


def label_config(scheme: Scheme) -> str:
    """The Label Studio labeling config of a scheme (every value XML-escaped)."""

    def labels(name: str, items: Iterable[Any]) -> list[str]:
        return [
            f'  <Labels name={quoteattr(name)} toName={quoteattr(TEXT)} showInline="true">',
            *(
                f"    <Label value={quoteattr(x.name)} background={quoteattr(x.color)} "
                f"hotkey={quoteattr(x.hotkey)} hint={quoteattr(x.description)}/>"
                for x in items
            ),
            "  </Labels>",
        ]

    return "\n".join(
        [
            "<View>",
            *labels(ENTITY, scheme.entities),
            *labels(TRIGGER, scheme.events),
            "  <Relations>",
            *(f"    <Relation value={quoteattr(role)}/>" for role in scheme.role_names),
            "  </Relations>",
            '  <View style="direction: rtl; text-align: right; font-size: 20px; line-height: 2.2">',
            f'    <Text name={quoteattr(TEXT)} value="$text" granularity="symbol"/>',
            "  </View>",
            f'  <View visibleWhen="region-selected" whenTagName={quoteattr(TRIGGER)}>',
            '    <Header value="Realis of the selected event"/>',
            f'    <Choices name={quoteattr(REALIS)} toName={quoteattr(TEXT)} perRegion="true" '
            'choice="single-radio" showInline="true">',
            *(
                f"      <Choice value={quoteattr(name)} hint={quoteattr(text)}/>"
                for name, text in scheme.realis
            ),
            "    </Choices>",
            "  </View>",
            "</View>",
            "",
        ]
    )


def instructions(scheme: Scheme, guidelines: str = "") -> str:
    """The project's instructions for annotators: the guidelines and every label's definition."""

    def rows(items: Iterable[Any]) -> str:
        return "".join(
            f"<tr><td><b>{html.escape(x.name)}</b> ({html.escape(x.hotkey)})</td>"
            f"<td>{html.escape(x.description)}</td>"
            f'<td dir="rtl">{html.escape("، ".join(x.examples))}</td></tr>'
            for x in items
        )

    roles = "".join(
        f"<li><b>{html.escape(r.name)}</b> ({html.escape(', '.join(r.entities))}): "
        f"{html.escape(r.description)}</li>"
        for r in scheme.roles
    )
    realis = "".join(f"<li><b>{html.escape(n)}</b>: {html.escape(t)}</li>" for n, t in scheme.realis)
    guide = f'<pre style="white-space: pre-wrap">{html.escape(guidelines)}</pre>' if guidelines else ""
    return (
        f"<h3>Entities</h3><table>{rows(scheme.entities)}</table>"
        f"<h3>Events (PLOVER)</h3><table>{rows(scheme.events)}</table>"
        f"<h3>Arguments</h3><p>Draw a relation from the trigger to the entity.</p><ul>{roles}</ul>"
        f"<h3>Realis</h3><ul>{realis}</ul>{guide}"
    )


# --- documents and layers <-> tasks and results -------------------------------------------


def layer_results(doc: Document, layer: Layer) -> list[dict[str, Any]]:
    """The Label Studio result list of a layer: regions, realis choices and relations."""
    results: list[dict[str, Any]] = []
    entity_ids: dict[tuple[int, int], str] = {}
    for i, span in enumerate(layer.entities, start=1):
        region = _region(f"e{i}", ENTITY, span)
        entity_ids[span.key] = region["id"]
        results.append(region)
    for k, event in enumerate(layer.events, start=1):
        trigger = _region(f"t{k}", TRIGGER, event.trigger)
        results.append(trigger)
        results.append(
            {
                **_region(f"t{k}", REALIS, event.trigger),
                "type": "choices",
                "value": {**_value(event.trigger), "choices": [event.realis]},
            }
        )
        for argument in event.arguments:
            target = entity_ids.get(argument.key)
            if target is not None:
                results.append(
                    {
                        "type": "relation",
                        "from_id": trigger["id"],
                        "to_id": target,
                        "direction": "right",
                        "labels": [argument.role],
                    }
                )
    return results


def _value(span: Span) -> dict[str, Any]:
    return {"start": span.start, "end": span.end, "text": span.text}


def _region(region_id: str, from_name: str, span: Span) -> dict[str, Any]:
    region: dict[str, Any] = {
        "id": region_id,
        "from_name": from_name,
        "to_name": TEXT,
        "type": "labels",
        "value": {**_value(span), "labels": [span.label]},
    }
    if span.score is not None:
        region["score"] = span.score
    return region


def task(doc: Document, pre: Layer | None) -> dict[str, Any]:
    """An import record: the text, our keys, and the draft as a prediction."""
    record: dict[str, Any] = {"data": {TEXT: doc.text, "doc_id": doc.id, "sha256": doc.sha256}}
    if pre is not None:
        record["predictions"] = [prediction(doc, pre)]
    return record


def prediction(doc: Document, pre: Layer) -> dict[str, Any]:
    scores = [s.score for s in pre.entities if s.score is not None]
    result = layer_results(doc, pre)
    return {
        "model_version": model_version(pre, result),
        "score": round(sum(scores) / len(scores), 3) if scores else 0.0,
        "result": result,
    }


def model_version(pre: Layer, result: list[dict[str, Any]]) -> str:
    """Producer, version and a hash of the draft itself: a push replaces a prediction
    exactly when the draft changed, whatever changed it."""
    digest = hashlib.sha256(json.dumps(result, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return f"{pre.provenance.producer}-{pre.provenance.version}-{digest[:8]}"


@dataclass(frozen=True, slots=True)
class Refusal:
    """An annotation that cannot be imported, and why."""

    doc_id: str
    task: int
    annotation: int
    reason: str

    def __str__(self) -> str:
        return f"task {self.task} annotation {self.annotation} ({self.doc_id}): {self.reason}"


def annotation_layer(
    doc: Document, results: list[dict[str, Any]], scheme: Scheme, provenance: Provenance
) -> Layer:
    """The review layer of one annotation; raises ValueError saying what is wrong with it."""
    regions: dict[str, tuple[str, Span]] = {}
    realis: dict[str, str] = {}
    relations = []
    allowed = {ENTITY: scheme.entity_labels, TRIGGER: scheme.event_types}
    realis_values, role_names = scheme.realis_values, scheme.role_names  # once, not per result
    if not isinstance(results, list):
        raise ValueError(f"the result is a {type(results).__name__}, not a list of regions")
    for result in results:
        if not isinstance(result, dict) or not isinstance(result.get("value", {}), dict):
            raise ValueError(f"a region that is not an object with a value: {str(result)[:80]!r}")
        kind = result.get("type")
        if kind == "relation":
            relations.append(result)
            continue
        name = result.get("from_name")
        value = result.get("value") or {}
        if kind == "choices" and name == REALIS:
            choices = value.get("choices")
            choice = choices[0] if isinstance(choices, list) and len(choices) == 1 else choices
            if not isinstance(choice, str) or choice not in realis_values:
                raise ValueError(f"realis {choice!r} is not in the scheme ({', '.join(realis_values)})")
            realis[str(result.get("id"))] = choice
            continue
        if kind != "labels" or name not in allowed:
            raise ValueError(f"unexpected result {name!r} of type {kind!r}")
        start, end, labels = value.get("start"), value.get("end"), value.get("labels") or []
        if type(start) is not int or type(end) is not int or not 0 <= start < end <= len(doc.text):
            raise ValueError(f"offsets {start}:{end} outside the text (length {len(doc.text)})")
        if value.get("text") is not None and doc.text[start:end] != value["text"]:
            raise ValueError(
                f"region {start}:{end} says {value['text']!r} but the text has {doc.text[start:end]!r}"
            )
        if not isinstance(labels, list) or len(labels) != 1 or labels[0] not in allowed[name]:
            raise ValueError(f"label {labels!r} at {start}:{end} is not one {name} label of the scheme")
        regions[str(result.get("id"))] = (name, Span(start, end, labels[0], doc.text[start:end]))
    arguments: dict[str, list[Argument]] = {rid: [] for rid, (name, _) in regions.items() if name == TRIGGER}
    for relation in relations:
        ends = [regions.get(str(relation.get("from_id"))), regions.get(str(relation.get("to_id")))]
        if None in ends:
            raise ValueError("a relation points at a region that does not exist")
        roles = relation.get("labels")
        role = roles[0] if isinstance(roles, list) and len(roles) == 1 else roles
        if not isinstance(role, str) or role not in role_names:
            raise ValueError(f"relation role {role!r} is not in the scheme ({', '.join(scheme.role_names)})")
        ids = [str(relation.get("from_id")), str(relation.get("to_id"))]
        kinds = [regions[i][0] for i in ids]
        if sorted(kinds) != [ENTITY, TRIGGER]:
            raise ValueError(f"relation {role} must link a trigger and an entity")
        trigger_id, entity_id = (ids[0], ids[1]) if kinds[0] == TRIGGER else (ids[1], ids[0])
        entity = regions[entity_id][1]
        arguments[trigger_id].append(Argument(role, entity.start, entity.end))
    entities = tuple(sorted((s for n, s in regions.values() if n == ENTITY), key=lambda s: (s.start, s.end)))
    events = tuple(
        Event(span, realis.get(rid, "actual"), tuple(arguments[rid]))
        for rid, (name, span) in sorted(regions.items(), key=lambda kv: (kv[1][1].start, kv[1][1].end))
        if name == TRIGGER
    )
    annotator = provenance.producer
    return Layer(doc.id, f"review:{annotator}", "review", doc.sha256, provenance, entities, events)


# --- talking to a server ------------------------------------------------------------------


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
                lambda: self.client.tasks.update(
                    id=task_id, data={TEXT: doc.text, "doc_id": doc.id, "sha256": doc.sha256}
                ),
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
