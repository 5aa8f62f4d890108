"""Label Studio tasks and results both ways: the labeling config, tasks, predictions, annotations.

The config is generated from the scheme: entity and trigger labels on one right-to-left
Text (symbol granularity, so annotators can leave a proclitic out of a span), argument
roles as relations, realis as a choice per trigger region. Drafts travel as predictions
(model version, score); annotations come back as review layers, every result checked
(Label Studio has no server-side validation).
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Iterable
from typing import Any
from xml.sax.saxutils import quoteattr

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

from khabar.corpus.model import Argument, Document, Event, Layer, Provenance, Span
from khabar.corpus.scheme import Scheme
from khabar.formats.labelstudio_parts import Part, part_document, part_layer, whole

ENTITY, TRIGGER, REALIS, TEXT = "entity", "trigger", "realis", "text"


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
            "  <Style>",
            # tall lines leave room above the words for label badges and relation arrows; Label
            # Studio's own text container sets 16px and a 20px line, over the View's style
            "    .lsf-richtext__container { font-size: 20px !important; line-height: 3 !important; }",
            *trigger_styles(scheme),
            "  </Style>",
            '  <Header value="Entities (highlighted)" size="6"/>',
            *labels(ENTITY, scheme.entities),
            '  <Header value="Event triggers (bold, underlined)" size="6"/>',
            *labels(TRIGGER, scheme.events),
            "  <Relations>",
            *(f"    <Relation value={quoteattr(role)}/>" for role in scheme.role_names),
            "  </Relations>",
            '  <View style="direction: rtl; text-align: right; font-size: 20px; line-height: 3">',
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


def trigger_styles(scheme: Scheme) -> list[str]:
    """CSS that sets triggers apart from entities: entities keep Label Studio's tinted
    background, a trigger is also bold and underlined in its colour. Label Studio marks the
    last piece of a region with ``data-label`` ("ASSAULT", or "3:ASSAULT" with its index);
    the selectors match both."""
    return [
        f'    .htx-highlight[data-label="{x.name}"], .htx-highlight[data-label$=":{x.name}"] '
        f"{{ font-weight: bold; border-bottom: 3px solid {x.color} !important; }}"
        for x in scheme.events
    ]


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
    # <tbody> written out as Label Studio's sanitizer would add it: the instructions it keeps
    # are then these, and a push or pull finds the project up to date instead of updating it
    return (
        f"<h3>Entities</h3><table><tbody>{rows(scheme.entities)}</tbody></table>"
        f"<h3>Events (PLOVER)</h3><table><tbody>{rows(scheme.events)}</tbody></table>"
        f"<h3>Arguments</h3><p>Draw a relation from the trigger to the entity. When arrows hide "
        f"the words, hide them with the eye button of the Relations panel.</p><ul>{roles}</ul>"
        f"<h3>Realis</h3><ul>{realis}</ul>{guidelines_html(guidelines)}"
    )


ARABIC = "\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff"
#: a run of Arabic words with the spaces, quotes and punctuation between them
ARABIC_RUN = re.compile(f"«?[{ARABIC}](?:[{ARABIC}\\s«»\"'…\\-]*[{ARABIC}])?»?")
LATIN = re.compile("[A-Za-z]")


def guidelines_html(markdown: str) -> str:
    """The guidelines (Markdown) as HTML that wraps in Label Studio's panels: no ``<pre>``
    (code blocks read as paragraphs), every block ``dir="rtl"`` when its text is mostly
    Arabic and ``dir="auto"`` otherwise, and each Arabic run inside Latin text isolated in a
    ``<bdi>``, so mixed lines keep their order."""
    if not markdown.strip():
        return ""
    md = MarkdownIt("commonmark", {"html": False}).enable("table").disable(["code", "fence"])
    tokens = md.parse(markdown)
    for i, token in enumerate(tokens):
        if token.nesting == 1 and token.block:
            following = tokens[i + 1] if i + 1 < len(tokens) else None
            content = following.content if following is not None and following.type == "inline" else ""
            arabic = len(re.findall(f"[{ARABIC}]", content))
            token.attrSet("dir", "rtl" if arabic > len(LATIN.findall(content)) else "auto")

    def isolated(renderer: Any, tokens: list[Token], idx: int, options: Any, env: Any) -> str:
        return ARABIC_RUN.sub(lambda m: f'<bdi dir="rtl">{m.group(0)}</bdi>', escapeHtml(tokens[idx].content))

    md.add_render_rule("text", isolated)
    return str(md.renderer.render(tokens, md.options, {}))


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


def task_data(doc: Document, part: Part, position: int | None = None) -> dict[str, Any]:
    """What an annotator sees of a task: every key is a Data Manager column, so only what
    helps (the text, title, source, date, the document's place in the corpus, the part)."""
    return {
        TEXT: doc.text[part.start : part.end],
        "title": doc.title or "",
        "source": doc.source or "",
        "published": doc.published or "",
        "position": position if position is not None else "",
        "doc_id": doc.id,
        **({"part": part.label} if part.count > 1 else {}),
    }


def task_meta(doc: Document, part: Part) -> dict[str, Any]:
    """What khabar finds and checks a task by, kept out of the visible columns (Label Studio
    shows every ``data`` key as a column, never ``meta``)."""
    return {
        "doc_id": doc.id,
        "sha256": doc.sha256,
        "part": part.index,
        "parts": part.count,
        "start": part.start,
        "end": part.end,
    }


def task_part(data: dict[str, Any], meta: dict[str, Any] | None) -> tuple[str | None, Part | None]:
    """The document hash and part a task was made from (None for a task khabar did not make;
    tasks pushed before parts existed are one whole document, their hash in ``data``)."""
    meta = meta or {}
    if isinstance(meta.get("sha256"), str):
        try:
            return meta["sha256"], Part(
                int(meta["part"]), int(meta["parts"]), int(meta["start"]), int(meta["end"])
            )
        except (KeyError, TypeError, ValueError):
            return None, None
    text = data.get(TEXT)
    if isinstance(data.get("sha256"), str) and isinstance(text, str):
        return data["sha256"], Part(1, 1, 0, len(text))
    return None, None


def task(
    doc: Document, pre: Layer | None, part: Part | None = None, position: int | None = None
) -> dict[str, Any]:
    """An import record of one part of a document (the whole by default): the text, what
    the annotator sees of the article, our keys, and the draft as a prediction."""
    part = part or whole(doc)
    record: dict[str, Any] = {"data": task_data(doc, part, position), "meta": task_meta(doc, part)}
    if pre is not None:
        record["predictions"] = [prediction(part_document(doc, part), part_layer(doc, pre, part))]
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
