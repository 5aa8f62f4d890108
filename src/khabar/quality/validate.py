"""Validation: the corpus tables checked with pandera against rules derived from the scheme.

This is the only module that imports pandera; the rules and what a run reports are in
:mod:`khabar.quality.violations`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
from numpy.typing import NDArray

from khabar.corpus.model import Document, Layer
from khabar.corpus.scheme import Scheme
from khabar.formats.interchange import ID
from khabar.quality.tables import Tables, build
from khabar.quality.violations import RULES, Report, Violation
from khabar.text.analysis import SPAN_EDGE


def validate(items: Iterable[tuple[Document, list[Layer]]], scheme: Scheme) -> Report:
    """Check every document and layer; return all violations, sorted by place."""
    tables = build(items)
    violations = check_tables(tables, scheme)
    violations += check_corpus(summaries(tables.documents))
    report = Report(violations=violations, documents=len(tables.documents))
    report.sort()
    return report


def check_tables(tables: Tables, scheme: Scheme) -> list[Violation]:
    """The rules that look at one document at a time, on tables of any number of them."""
    report = Report()
    schemas = _schemas(scheme)
    hints = _scheme_hints(scheme)
    for table, frame in _frames(tables).items():
        if not frame.empty:
            _run(schemas[table], frame, report, hints)
    return report.violations


def summaries(documents: pd.DataFrame) -> list[dict[str, object]]:
    """What the corpus-wide rules need of each document."""
    return [
        {"doc_id": d, "sha256": s, "simhash": h}
        for d, s, h in zip(documents["doc_id"], documents["sha256"], documents["simhash"], strict=True)
    ]


def check_corpus(docs: list[dict[str, object]]) -> list[Violation]:
    """Rules across documents: unique ids, no text twice, near-duplicate texts (a warning)."""
    if not docs:
        return []
    frame = pd.DataFrame(docs, columns=["doc_id", "sha256", "simhash"])
    frame["near"] = near_duplicates(
        frame["simhash"].tolist(), frame["doc_id"].tolist(), frame["sha256"].tolist()
    )
    schema = pa.DataFrameSchema(
        checks=[
            _check("unique-id", lambda f: ~f["doc_id"].duplicated(keep=False)),
            _check("duplicate-text", lambda f: ~f["sha256"].duplicated(keep=False)),
            _check("near-duplicate", lambda f: f["near"].isna()),
        ]
    )
    report = Report()
    _run(schema, frame, report, {})
    return report.violations


def near_duplicates(hashes: list[int], ids: list[str], shas: list[str], bits: int = 6) -> list[str | None]:
    """For each document, another whose 64-bit simhash differs in at most ``bits`` bits
    (one word changed in a news article flips about four), but not an exact duplicate:
    that is another rule. Seven 9-bit bands find the pairs without comparing all of them:
    two hashes within six bits agree on at least one band; the members of each band's
    buckets are compared with numpy, all pairs of a bucket at once."""
    near: list[str | None] = [None] * len(hashes)
    if len(hashes) < 2:
        return near
    values = np.array(hashes, dtype=np.uint64)
    _, text_ids = np.unique(np.array(shas), return_inverse=True)
    for band in range(7):
        keys = (values >> np.uint64(9 * band)) & np.uint64(0x1FF)
        order = np.argsort(keys, kind="stable")
        edges = np.flatnonzero(np.diff(keys[order])) + 1
        for members in np.split(order, edges):
            if len(members) < 2:
                continue
            for a, b in _partners(values, text_ids, members, bits):
                near[a] = near[a] or ids[b]
    return near


def _partners(
    values: NDArray[Any], text_ids: NDArray[Any], members: NDArray[Any], bits: int, block: int = 1024
) -> Iterator[tuple[int, int]]:
    """For each member that has one, a member whose hash differs in at most ``bits`` bits
    and whose text differs, a block of rows at a time (memory stays bounded however
    crowded the bucket)."""
    for start in range(0, len(members), block):
        rows = members[start : start + block]
        distance = np.bitwise_count(values[rows][:, None] ^ values[members][None, :])
        close = (distance <= bits) & (text_ids[rows][:, None] != text_ids[members][None, :])
        found = close.any(axis=1)
        for i, j in zip(np.flatnonzero(found), close.argmax(axis=1)[found], strict=True):
            yield int(rows[i]), int(members[j])


def _frames(tables: Tables) -> dict[str, pd.DataFrame]:
    documents = tables.documents.copy()
    lengths = documents.set_index("doc_id")["length"]
    entities = tables.entities.assign(length=tables.entities["doc_id"].map(lengths))
    events = tables.events.assign(length=tables.events["doc_id"].map(lengths))
    return {
        "documents": documents,
        "layers": tables.layers,
        "entities": entities,
        "events": events,
        "arguments": tables.arguments,
        "tokens": _iob(tables.tokens),
    }


def _iob(tokens: pd.DataFrame) -> pd.DataFrame:
    """Adds ``ok``: whether each word's NER tag continues the tag before it (IOB2)."""
    previous = tokens.groupby(["doc_id", "sentence"])["ner"].shift(fill_value="O")
    inside = tokens["ner"].str.startswith("I-")
    label = tokens["ner"].str[2:]
    continues = previous.str[2:].eq(label) & previous.ne("O")
    return tokens.assign(label=label, ok=~inside | continues)


def _check(rule: str, fn: Callable[[pd.DataFrame], pd.Series]) -> pa.Check:
    return pa.Check(fn, error=rule)


def _no_overlap(frame: pd.DataFrame) -> pd.Series:
    ordered = frame.sort_values(["doc_id", "layer", "start", "end"])
    previous_end = ordered.groupby(["doc_id", "layer"])["end"].shift(fill_value=-1)
    return (ordered["start"] >= previous_end).reindex(frame.index)


def _span_checks() -> list[pa.Check]:
    return [
        _check("offsets", lambda f: (f["start"] >= 0) & (f["start"] < f["end"]) & (f["end"] <= f["length"])),
        _check("span-text", lambda f: f["text"] == f["surface"]),
        _check(
            "span-edge",
            lambda f: f["text"].map(lambda t: bool(t) and t[0] not in SPAN_EDGE and t[-1] not in SPAN_EDGE),
        ),
        _check("cross-sentence", lambda f: f["sentence"] == f["end_sentence"]),
    ]


def _schemas(scheme: Scheme) -> dict[str, pa.DataFrameSchema]:
    def role_allows(f: pd.DataFrame) -> pd.Series:
        allowed = {r.name: set(r.entities) for r in scheme.roles}
        return pd.Series(
            [
                label is None or pd.isna(label) or role not in allowed or label in allowed[role]
                for role, label in zip(f["role"], f["entity_label"], strict=True)
            ],
            index=f.index,
        )

    return {
        "documents": pa.DataFrameSchema(
            checks=[
                _check(
                    "id-format", lambda f: f["doc_id"].map(lambda i: bool(ID.fullmatch(i)) and ".." not in i)
                ),
                _check("canonical-text", lambda f: f["canonical"]),
                _check("invisible-chars", lambda f: f["invisible"] == 0),
            ]
        ),
        "layers": pa.DataFrameSchema(
            checks=[
                _check("text-drift", lambda f: f["text_sha256"] == f["doc_sha256"]),
            ]
        ),
        "entities": pa.DataFrameSchema(
            checks=[
                *_span_checks(),
                _check("label", lambda f: f["label"].isin(scheme.entity_labels)),
                _check("overlap", _no_overlap),
            ]
        ),
        "events": pa.DataFrameSchema(
            checks=[
                *_span_checks(),
                _check("event-type", lambda f: f["type"].isin(scheme.event_types)),
                _check("realis", lambda f: f["realis"].isin(scheme.realis_values)),
                _check("trigger-overlap", _no_overlap),
            ]
        ),
        "arguments": pa.DataFrameSchema(
            checks=[
                _check("role", lambda f: f["role"].isin(scheme.role_names)),
                _check("argument-entity", lambda f: f["entity_label"].notna()),
                _check("argument-label", role_allows),
                _check("argument-sentence", lambda f: f["sentence"] == f["trigger_sentence"]),
            ]
        ),
        "tokens": pa.DataFrameSchema(checks=[_check("iob2", lambda f: f["ok"])]),
    }


def _run(schema: pa.DataFrameSchema, frame: pd.DataFrame, report: Report, hints: dict[str, str]) -> None:
    try:
        schema.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases[["check", "index"]].drop_duplicates()
        for rule, index in cases.itertuples(index=False):
            row = frame.loc[index].to_dict()
            report.violations.append(_violation(rule, row, hints))


def _violation(rule: str, row: dict[str, object], hints: dict[str, str]) -> Violation:
    spec = RULES[rule]
    hint = spec.hint or hints.get(rule, "")
    start = row.get("start")
    end = row.get("end")
    return Violation(
        rule=rule,
        severity=spec.severity,
        doc_id=str(row["doc_id"]),
        layer=str(row["layer"]) if row.get("layer") else None,
        start=int(start) if isinstance(start, int | float) else None,
        end=int(end) if isinstance(end, int | float) else None,
        message=spec.message.format_map(_Row(row)),
        hint=hint,
    )


def _scheme_hints(scheme: Scheme) -> dict[str, str]:
    """Hints that list what the scheme allows."""
    return {
        "label": "entity labels: " + ", ".join(scheme.entity_labels),
        "event-type": "event types: " + ", ".join(scheme.event_types),
        "realis": "realis: " + ", ".join(scheme.realis_values),
        "role": "roles: " + ", ".join(scheme.role_names),
        "argument-label": "; ".join(f"{r.name}: {', '.join(r.entities)}" for r in scheme.roles),
    }


class _Row(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return "?"
